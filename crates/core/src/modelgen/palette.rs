//! The generated models' materials: colours that read the way a Chinese site looks (yellow
//! cranes, blue hoarding, green safety nets, orange distribution boxes).

use super::glb::Material;

const fn mat(name: &'static str, color: [f32; 4], metallic: f32, roughness: f32) -> Material {
    Material { name, color, metallic, roughness, emissive: [0.0; 3], double_sided: false }
}

/// Tower crane and hoist structure yellow. The snapshot test looks for this colour.
pub const CRANE_YELLOW: Material = mat("crane_yellow", [0.90, 0.62, 0.02, 1.0], 0.2, 0.55);
/// Bare steel.
pub const STEEL: Material = mat("steel", [0.52, 0.54, 0.57, 1.0], 0.7, 0.45);
/// Dark steel (ropes, hooks, rails).
pub const STEEL_DARK: Material = mat("steel_dark", [0.12, 0.12, 0.13, 1.0], 0.6, 0.5);
/// Cast concrete.
pub const CONCRETE: Material = mat("concrete", [0.60, 0.60, 0.58, 1.0], 0.0, 0.9);
/// Older, darker concrete (piles, foundations).
pub const CONCRETE_DARK: Material = mat("concrete_dark", [0.40, 0.40, 0.39, 1.0], 0.0, 0.95);
/// Excavated soil.
pub const SOIL: Material = mat("soil", [0.42, 0.30, 0.19, 1.0], 0.0, 1.0);
/// Pit floor cushion.
pub const CUSHION: Material = mat("cushion", [0.50, 0.45, 0.38, 1.0], 0.0, 1.0);
/// Crane counterweights.
pub const COUNTERWEIGHT: Material = mat("counterweight", [0.45, 0.45, 0.45, 1.0], 0.0, 0.9);
/// White painted panels (cabs, prefab walls).
pub const WHITE: Material = mat("white", [0.88, 0.88, 0.86, 1.0], 0.0, 0.7);
/// Window glass.
pub const GLASS: Material = mat("glass", [0.10, 0.18, 0.26, 1.0], 0.1, 0.15);
/// Safety red (guardrails, jib tips).
pub const RED: Material = mat("red", [0.72, 0.05, 0.04, 1.0], 0.0, 0.6);
/// Hoarding blue.
pub const HOARDING_BLUE: Material = mat("hoarding_blue", [0.05, 0.22, 0.55, 1.0], 0.0, 0.7);
/// Prefab roof blue.
pub const ROOF_BLUE: Material = mat("roof_blue", [0.08, 0.28, 0.65, 1.0], 0.1, 0.6);
/// Dense-mesh safety net green (translucent, both sides).
pub const NET_GREEN: Material = Material {
    name: "net_green",
    color: [0.05, 0.40, 0.12, 0.62],
    metallic: 0.0,
    roughness: 0.9,
    emissive: [0.0; 3],
    double_sided: true,
};
/// Formwork plywood.
pub const PLYWOOD: Material = mat("plywood", [0.62, 0.40, 0.18, 1.0], 0.0, 0.8);
/// Timber joists and sleepers.
pub const TIMBER: Material = mat("timber", [0.45, 0.30, 0.15, 1.0], 0.0, 0.85);
/// Rusty rebar.
pub const REBAR: Material = mat("rebar", [0.33, 0.17, 0.10, 1.0], 0.5, 0.7);
/// Wheel-wash water.
pub const WATER: Material = mat("water", [0.10, 0.30, 0.50, 1.0], 0.0, 0.1);
/// Distribution box orange.
pub const BOX_ORANGE: Material = mat("box_orange", [0.90, 0.35, 0.05, 1.0], 0.1, 0.5);
/// Hoist cage blue.
pub const CAGE_BLUE: Material = mat("cage_blue", [0.12, 0.35, 0.70, 1.0], 0.3, 0.5);
/// Hardened site ground.
pub const GROUND: Material = mat("ground", [0.50, 0.50, 0.47, 1.0], 0.0, 0.95);
/// City road outside the hoarding.
pub const ASPHALT: Material = mat("asphalt", [0.20, 0.20, 0.21, 1.0], 0.0, 0.9);
/// Walkway paving.
pub const PAVING: Material = mat("paving", [0.68, 0.66, 0.60, 1.0], 0.0, 0.9);
/// Safety yellow line paint.
pub const LINE_YELLOW: Material = mat("line_yellow", [0.95, 0.75, 0.05, 1.0], 0.0, 0.6);
/// Transformer green.
pub const TRANSFORMER_GREEN: Material = mat("transformer_green", [0.15, 0.40, 0.25, 1.0], 0.2, 0.6);
/// Solar panel.
pub const SOLAR: Material = mat("solar", [0.05, 0.07, 0.18, 1.0], 0.4, 0.2);
/// Obstacle light red, glowing.
pub const OBSTACLE_LIGHT: Material = Material {
    name: "obstacle_light",
    color: [1.0, 0.1, 0.05, 1.0],
    metallic: 0.0,
    roughness: 0.5,
    emissive: [1.0, 0.05, 0.02],
    double_sided: false,
};
/// LED display green, glowing.
pub const LED_GREEN: Material = Material {
    name: "led_green",
    color: [0.0, 0.3, 0.1, 1.0],
    metallic: 0.0,
    roughness: 0.4,
    emissive: [0.0, 0.8, 0.25],
    double_sided: false,
};
