//! serde adapters for the glam types in the schema and reports (`#[serde(with = ...)]`), so that
//! glam's own `serde` feature, which would rebuild Bevy, stays off. Each adapter reads and writes
//! exactly what the plain array did: a `DVec3` is the tuple `(x, y, z)`, a plan point `(x, z)`,
//! so scene files and their error positions are unchanged.

use glam::{DMat4, DVec2, DVec3};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A site point as `(x, y, z)` metres.
pub mod dvec3 {
    use super::*;

    /// Writes `(x, y, z)`.
    pub fn serialize<S: Serializer>(v: &DVec3, s: S) -> Result<S::Ok, S::Error> {
        v.to_array().serialize(s)
    }

    /// Reads `(x, y, z)`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DVec3, D::Error> {
        <[f64; 3]>::deserialize(d).map(DVec3::from_array)
    }
}

/// A plan point as `(x, z)` metres, held as `DVec2 { x, y: z }`.
pub mod dvec2 {
    use super::*;

    /// Writes `(x, z)`.
    pub fn serialize<S: Serializer>(v: &DVec2, s: S) -> Result<S::Ok, S::Error> {
        v.to_array().serialize(s)
    }

    /// Reads `(x, z)`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DVec2, D::Error> {
        <[f64; 2]>::deserialize(d).map(DVec2::from_array)
    }
}

/// A list of plan points `[(x, z), ...]` (polygons, polylines).
pub mod dvec2_list {
    use super::*;

    /// Writes `[(x, z), ...]`.
    pub fn serialize<S: Serializer>(v: &[DVec2], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|p| p.to_array()))
    }

    /// Reads `[(x, z), ...]`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<DVec2>, D::Error> {
        Vec::<[f64; 2]>::deserialize(d).map(|v| v.into_iter().map(DVec2::from_array).collect())
    }
}

/// A node transform in reports: 16 `f32`, column-major, as glTF stores `node.matrix` (the
/// importer composes in `f64`; a report shows what the file's precision can hold).
pub mod dmat4_f32 {
    use super::*;

    /// Writes the 16 columns-major values as `f32`.
    pub fn serialize<S: Serializer>(m: &DMat4, s: S) -> Result<S::Ok, S::Error> {
        m.as_mat4().to_cols_array().serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Points {
        #[serde(with = "dvec3")]
        p: DVec3,
        #[serde(with = "dvec2")]
        q: DVec2,
        #[serde(with = "dvec2_list")]
        ring: Vec<DVec2>,
    }

    #[test]
    fn glam_fields_read_and_write_the_plain_arrays() {
        let json = r#"{"p":[1.5,-2.0,3.0],"q":[4.0,5.0],"ring":[[0.0,0.0],[1.0,0.0],[1.0,2.0]]}"#;
        let v: Points = serde_json::from_str(json).unwrap();
        assert_eq!(v.p, DVec3::new(1.5, -2.0, 3.0));
        assert_eq!(v.q, DVec2::new(4.0, 5.0));
        assert_eq!(v.ring, vec![DVec2::ZERO, DVec2::X, DVec2::new(1.0, 2.0)]);
        assert_eq!(serde_json::to_string(&v).unwrap(), json);
        // A wrong length is refused as the array refused it.
        let e = serde_json::from_str::<Points>(r#"{"p":[1.0,2.0],"q":[0.0,0.0],"ring":[]}"#).unwrap_err();
        assert!(e.to_string().contains("expected an array of length 3"), "{e}");
    }

    #[test]
    fn node_matrices_are_reported_as_f32_columns() {
        let m = DMat4::from_translation(DVec3::new(1.0, 2.0, 3.0));
        let json = serde_json::to_value(Wrapper(m)).unwrap();
        assert_eq!(
            json,
            serde_json::json!([1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 2.0, 3.0, 1.0])
        );

        struct Wrapper(DMat4);
        impl Serialize for Wrapper {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                dmat4_f32::serialize(&self.0, s)
            }
        }
    }
}
