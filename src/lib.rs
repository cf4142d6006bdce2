//! sitetwin: the Bevy app and CLI.
pub use bevy;
pub use bevy_egui;
