//! File → Open: a small file browser inside the twin (folders and `.ron` scenes, a path box, up),
//! so that opening a scene needs no desktop portal and works the same offline, under Xvfb and in
//! the tests.

use std::path::{Path, PathBuf};

use bevy_egui::egui;
use sitetwin_core::i18n::{Lang, tr};

/// What the user did with the browser this frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileAction {
    /// Still browsing.
    Browse,
    /// Open this scene file.
    Open(PathBuf),
    /// Closed without opening anything.
    Cancel,
}

/// One folder's listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    /// Sub-folders (hidden ones left out), sorted.
    pub folders: Vec<String>,
    /// `.ron` files, sorted.
    pub scenes: Vec<String>,
    /// Why the folder could not be read, if it could not.
    pub error: Option<String>,
}

/// What went wrong with the path box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathProblem {
    /// Nothing is there.
    Missing,
    /// A file, but not a scene.
    NotScene,
}

impl Listing {
    /// Lists `dir`.
    pub fn of(dir: &Path) -> Listing {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => return Listing { error: Some(e.to_string()), ..Listing::default() },
        };
        let mut l = Listing::default();
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let path = e.path();
            if path.is_dir() {
                l.folders.push(name);
            } else if path.extension().is_some_and(|x| x.eq_ignore_ascii_case("ron")) {
                l.scenes.push(name);
            }
        }
        l.folders.sort();
        l.scenes.sort();
        l
    }
}

/// The open-file window's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileBrowser {
    /// The folder shown.
    pub dir: PathBuf,
    /// The path box (a folder to go to or a file to open).
    pub typed: String,
    /// The folder's listing.
    pub listing: Listing,
    /// What was wrong with the path last submitted.
    pub problem: Option<PathProblem>,
}

impl FileBrowser {
    /// A browser at `start` (the current scene's folder), else the working folder.
    pub fn new(start: Option<PathBuf>) -> Self {
        let dir =
            start.filter(|d| d.is_dir()).or_else(|| std::env::current_dir().ok()).unwrap_or_else(|| PathBuf::from("."));
        let dir = std::path::absolute(&dir).unwrap_or(dir);
        let mut b = FileBrowser { typed: dir.display().to_string(), listing: Listing::default(), dir, problem: None };
        b.go(b.dir.clone());
        b
    }

    /// Shows `dir`.
    pub fn go(&mut self, dir: PathBuf) {
        self.listing = Listing::of(&dir);
        self.typed = dir.display().to_string();
        self.dir = dir;
        self.problem = None;
    }

    /// What the path box asks for: a folder to show or a scene to open. A relative path is
    /// taken from the folder shown.
    pub fn submit(&mut self) -> FileAction {
        let p = self.dir.join(self.typed.trim());
        let is_scene = p.extension().is_some_and(|x| x.eq_ignore_ascii_case("ron"));
        if p.is_dir() {
            self.go(p);
            FileAction::Browse
        } else if p.is_file() && is_scene {
            FileAction::Open(p)
        } else {
            self.problem = Some(if p.is_file() { PathProblem::NotScene } else { PathProblem::Missing });
            FileAction::Browse
        }
    }

    /// Draws the window; returns what the user did.
    pub fn show(&mut self, ctx: &egui::Context, lang: Lang) -> FileAction {
        let mut action = FileAction::Browse;
        let mut open = true;
        egui::Window::new(tr(lang, "ui.files.title"))
            .id("file_browser".into())
            .open(&mut open)
            .default_width(520.0)
            .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
            .collapsible(false)
            .show(ctx, |ui| {
                ui.horizontal(|ui| {
                    if ui.button(format!("⬆ {}", tr(lang, "ui.files.up"))).clicked()
                        && let Some(parent) = self.dir.parent().map(Path::to_path_buf)
                    {
                        self.go(parent);
                    }
                    let edit = ui.add(egui::TextEdit::singleline(&mut self.typed).desired_width(330.0));
                    let entered = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    if ui.button(tr(lang, "ui.files.go")).clicked() || entered {
                        action = self.submit();
                    }
                });
                ui.separator();
                if let Some(p) = self.problem {
                    let key = match p {
                        PathProblem::Missing => "ui.files.missing",
                        PathProblem::NotScene => "ui.files.not_scene",
                    };
                    ui.colored_label(super::ALARM_RED, tr(lang, key));
                }
                if let Some(e) = &self.listing.error {
                    ui.colored_label(super::ALARM_RED, format!("{}: {e}", tr(lang, "ui.files.unreadable")));
                }
                let mut go_to = None;
                egui::ScrollArea::vertical().max_height(340.0).show(ui, |ui| {
                    for f in &self.listing.folders {
                        if ui.selectable_label(false, format!("📁 {f}")).clicked() {
                            go_to = Some(self.dir.join(f));
                        }
                    }
                    for f in &self.listing.scenes {
                        ui.horizontal(|ui| {
                            let name = ui.selectable_label(false, format!("📄 {f}"));
                            if name.double_clicked() || ui.small_button(tr(lang, "ui.picker.open")).clicked() {
                                action = FileAction::Open(self.dir.join(f));
                            }
                        });
                    }
                    if self.listing.scenes.is_empty() && self.listing.error.is_none() {
                        ui.label(egui::RichText::new(tr(lang, "ui.files.none")).weak());
                    }
                });
                if let Some(d) = go_to {
                    self.go(d);
                }
                ui.separator();
                if ui.button(tr(lang, "ui.files.cancel")).clicked() {
                    action = FileAction::Cancel;
                }
            });
        if !open { FileAction::Cancel } else { action }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_shows_folders_and_scenes_only() {
        let dir = std::env::temp_dir().join(format!("sitetwin-files-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::create_dir_all(dir.join(".hidden")).unwrap();
        for f in ["b.ron", "a.RON", "notes.txt"] {
            std::fs::write(dir.join(f), "").unwrap();
        }
        let l = Listing::of(&dir);
        assert_eq!(l.folders, vec!["sub"]);
        assert_eq!(l.scenes, vec!["a.RON", "b.ron"]);
        let mut b = FileBrowser::new(Some(dir.clone()));
        b.typed = dir.join("b.ron").display().to_string();
        assert_eq!(b.submit(), FileAction::Open(dir.join("b.ron")));
        b.typed = dir.join("sub").display().to_string();
        assert_eq!(b.submit(), FileAction::Browse);
        assert_eq!(b.dir, dir.join("sub"));
        b.typed = "/no/such/place".into();
        assert_eq!(b.submit(), FileAction::Browse);
        assert_eq!(b.problem, Some(PathProblem::Missing));
        // Only scenes open; a relative path is taken from the folder shown.
        b.go(dir.clone());
        b.typed = "notes.txt".into();
        assert_eq!(b.submit(), FileAction::Browse);
        assert_eq!(b.problem, Some(PathProblem::NotScene));
        b.typed = "a.RON".into();
        assert_eq!(b.submit(), FileAction::Open(dir.join("a.RON")));
        assert!(Listing::of(&dir.join("missing")).error.is_some());
        std::fs::remove_dir_all(&dir).ok();
    }
}
