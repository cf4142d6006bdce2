//! The one place where site-frame numbers (f64 metres, degrees) become Bevy types. The site frame
//! (x east, y up, z south) is Bevy's frame and the core's glam is Bevy's glam, so conversion is a
//! cast; a model's placement comes from the core (`ModelInstance::site_from_model`), never
//! rebuilt here. Headless-safe: the site entities and the view both use it.

use bevy::math::{DAffine3, DVec3};
use bevy::prelude::*;
use sitetwin_core::scene::ModelInstance;

/// A site point as a Bevy vector.
pub fn site_point(p: DVec3) -> Vec3 {
    p.as_vec3()
}

/// A site-frame affine transform (scale, rotation, translation; no shear) as a Bevy `Transform`,
/// decomposed in f64 and then cast.
pub fn transform_of(t: &DAffine3) -> Transform {
    let (scale, rotation, translation) = t.to_scale_rotation_translation();
    Transform { translation: translation.as_vec3(), rotation: rotation.as_quat(), scale: scale.as_vec3() }
}

/// The transform that places a model instance in the site.
pub fn site_transform(m: &ModelInstance) -> Transform {
    transform_of(&m.site_from_model())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bevy_placement_is_the_cores_placement() {
        let m = ModelInstance {
            id: "x".into(),
            file: "x.glb".into(),
            position_m: DVec3::new(10.0, 2.0, -5.0),
            yaw_deg: 150.0,
            scale: 1.5,
            generated: true,
        };
        let t = site_transform(&m);
        for local in [DVec3::X, DVec3::Y, DVec3::Z, DVec3::new(3.0, 1.0, 7.0)] {
            let want = m.site_from_model().transform_point3(local).as_vec3();
            let got = t.transform_point(local.as_vec3());
            assert!(got.distance(want) < 1e-4, "{local}: {got} vs {want}");
        }
        // Counter-clockwise from above is Bevy's positive turn about +y.
        assert!(t.rotation.angle_between(Quat::from_rotation_y(150f32.to_radians())) < 1e-5);
        assert!((t.scale - Vec3::splat(1.5)).length() < 1e-6);
    }
}
