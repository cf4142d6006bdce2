//! The one place where site-frame numbers (f64 metres, degrees) become Bevy types. The site frame
//! (x east, y up, z south) is Bevy's frame, so conversion is a cast; yaw turns counter-clockwise
//! seen from above, which is Bevy's positive rotation about +y. Headless-safe: the site entities
//! and the view both use it.

use bevy::prelude::*;
use sitetwin_core::scene::ModelInstance;

/// A site point as a Bevy vector.
pub fn site_point(p: [f64; 3]) -> Vec3 {
    Vec3::new(p[0] as f32, p[1] as f32, p[2] as f32)
}

/// A plan point at height `y`.
pub fn plan_point(p: [f64; 2], y: f32) -> Vec3 {
    Vec3::new(p[0] as f32, y, p[1] as f32)
}

/// The transform that places a model instance in the site.
pub fn site_transform(m: &ModelInstance) -> Transform {
    Transform {
        translation: site_point(m.position_m),
        rotation: Quat::from_rotation_y(m.yaw_deg.to_radians() as f32),
        scale: Vec3::splat(m.scale as f32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sitetwin_core::modelgen::Frame;

    #[test]
    fn bevy_placement_inverts_the_generators_frame() {
        let m = ModelInstance {
            id: "x".into(),
            file: "x.glb".into(),
            position_m: [10.0, 2.0, -5.0],
            yaw_deg: 150.0,
            scale: 1.0,
            generated: true,
        };
        let site = [3.0, 1.0, 7.0];
        let local = Frame::of(&m).p3(site);
        let back = site_transform(&m).transform_point(Vec3::from_array(local));
        assert!(back.distance(site_point(site)) < 1e-4, "{back}");
    }
}
