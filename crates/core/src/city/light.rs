//! A light site: what the registry knows of a site that has no scene file (its plot, its main
//! building's storeys, how many cranes and hoists, the pit's depth), turned into a small scene
//! with the sensors a smart-supervision site carries, so the stoppage rules, the major-hazard
//! classification and the simulator work on it as on a full twin.
//!
//! The scene is written as scene-file text and read back through the scene loader, so a light
//! scene passes exactly the validation a hand-written one does.

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::CitySite;
use crate::scene::{self, ModelChecks, SiteScene};

/// What the registry knows of a site without a scene file.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LightSite {
    /// The plot, east-west × north-south, metres.
    pub plot_m: [f64; 2],
    /// Storeys of the main building when finished.
    pub storeys: u32,
    /// Tower cranes.
    pub cranes: u8,
    /// Construction hoists.
    pub hoists: u8,
    /// Depth of the foundation pit, metres (0: no pit open).
    pub pit_depth_m: f64,
}

/// The largest plot side a light site may have, metres.
const MAX_PLOT_M: f64 = 2000.0;

impl LightSite {
    /// Checks the values; the field and the message for the first problem.
    pub fn check(&self) -> Result<(), (String, String)> {
        for (i, v) in self.plot_m.iter().enumerate() {
            if !(40.0..=MAX_PLOT_M).contains(v) {
                return Err((format!("plot_m[{i}]"), format!("{v} m is not in 40..{MAX_PLOT_M} m")));
            }
        }
        if !(1..=100).contains(&self.storeys) {
            return Err(("storeys".into(), format!("{} storeys is not in 1..100", self.storeys)));
        }
        if self.cranes > 6 {
            return Err(("cranes".into(), format!("{} cranes: a light site has at most 6", self.cranes)));
        }
        if self.hoists > 6 {
            return Err(("hoists".into(), format!("{} hoists: a light site has at most 6", self.hoists)));
        }
        if !(0.0..=40.0).contains(&self.pit_depth_m) {
            return Err(("pit_depth_m".into(), format!("{} m is not in 0..40 m", self.pit_depth_m)));
        }
        Ok(())
    }

    /// The scene of `site` drawn from this description (no models: for the rules).
    pub fn scene(&self, site: &CitySite, city: &str) -> Result<SiteScene, String> {
        let text = self.scene_text(site, city, false);
        let file = format!("<light scene of {}>", site.id);
        scene::load_str(&text, Path::new(&file), Path::new("."), ModelChecks::Skip)
            .map(|l| l.scene)
            .map_err(|e| format!("light scene of {}: {e}", site.id))
    }

    /// Writes the site's twin into `dir`: `site.ron` and its generated glTF models under
    /// `models/`, so the twin opens a light site as it opens a full one. Returns the scene file.
    pub fn write_twin(&self, site: &CitySite, city: &str, dir: &Path) -> Result<std::path::PathBuf, String> {
        let text = self.scene_text(site, city, true);
        let file = dir.join("site.ron");
        let scene = scene::load_str(&text, &file, dir, ModelChecks::Skip)
            .map_err(|e| format!("light scene of {}: {e}", site.id))?
            .scene;
        let models = crate::modelgen::generate(&scene, dir).map_err(|e| format!("light twin of {}: {e}", site.id))?;
        let io = |e: std::io::Error, p: &Path| format!("cannot write {}: {e}", p.display());
        std::fs::create_dir_all(dir.join("models")).map_err(|e| io(e, dir))?;
        for m in models {
            std::fs::write(&m.path, &m.bytes).map_err(|e| io(e, &m.path))?;
        }
        std::fs::write(&file, text).map_err(|e| io(e, &file))?;
        Ok(file)
    }

    /// The `models` list of the twin: one generated file per object, placed where the object is.
    fn model_list(&self, w: f64, d: f64) -> String {
        let mut t = String::from("models: [(id: \"ground\", file: \"models/ground.glb\", generated: true), ");
        let mut add = |id: &str, at: Option<(f64, f64, f64)>, yaw_deg: f64| {
            let pos = at.map(|(x, y, z)| format!(", position_m: ({x}, {y}, {z})")).unwrap_or_default();
            let yaw = if yaw_deg != 0.0 { format!(", yaw_deg: {yaw_deg}") } else { String::new() };
            let id = id.to_lowercase();
            let _ = write!(t, "(id: \"{id}\", file: \"models/{id}.glb\"{pos}{yaw}, generated: true), ");
        };
        add("B1", None, 0.0);
        for i in 1..=self.cranes {
            add(&format!("TC{i}"), Some((w * f64::from(i) / (f64::from(self.cranes) + 1.0), 0.0, 0.5 * d)), 0.0);
            add(
                &format!("KB{i}"),
                Some((w * f64::from(i) / (f64::from(self.cranes) + 1.0) + 2.5, 0.0, 0.5 * d + 2.5)),
                0.0,
            );
        }
        for i in 1..=self.hoists {
            add(&format!("HS{i}"), Some((0.15 * w + 6.0 + 10.0 * f64::from(i - 1), 0.0, 0.45 * d + 2.0)), 0.0);
        }
        if self.pit_depth_m > 0.0 {
            add("PIT1", None, 0.0);
        }
        add("DB0", Some((4.0, 0.0, d - 4.0)), 0.0);
        add("DB1", Some((0.5 * w, 0.0, 0.5 * d + 4.0)), 0.0);
        add("G1", Some((0.5 * w, 0.0, d)), 180.0);
        add("DM1", Some((0.5 * w + 8.0, 0.0, d - 3.0)), 0.0);
        add("OFFICE", Some((14.0, 0.0, d - 8.0)), 0.0);
        t.push_str("],\n");
        t
    }

    /// The scene-file text; with `models`, every object has a generated model under `models/`.
    fn scene_text(&self, site: &CitySite, city: &str, models: bool) -> String {
        let [w, d] = self.plot_m;
        let q = |s: &str| format!("{s:?}");
        // `model: "x"` for an object when the twin draws it.
        let m = |id: &str| if models { format!("model: \"{}\", ", id.to_lowercase()) } else { String::new() };
        let mut t = String::new();
        let _ = writeln!(
            t,
            "SiteScene(version: 1, site: (id: {}, name: {}, city: {}, district: {}, address: {}, \
             origin: (lat_deg: {}, lon_deg: {}, elevation_m: 4.0), north_deg: 0.0, contractor: {}),",
            q(&site.id),
            q(&site.name),
            q(city),
            q(&site.district),
            q(&format!("{city}{}", site.district)),
            site.location.lat_deg,
            site.location.lon_deg,
            q(&site.contractor),
        );
        if models {
            t.push_str(&self.model_list(w, d));
        }
        let _ = writeln!(
            t,
            "boundary: (polygon_m: [(0.0, 0.0), ({w}, 0.0), ({w}, {d}), (0.0, {d})], hoarding_height_m: 2.5{}),",
            if models { ", model: \"ground\"" } else { "" }
        );
        // The main building in the north-west, the pit (if any) in the south-east.
        let (bx0, bx1, bz0, bz1) = (0.15 * w, 0.55 * w, 0.15 * d, 0.45 * d);
        let built = (self.storeys / 2).max(1).min(self.storeys);
        let _ = writeln!(
            t,
            "structures: [(id: \"B1\", name: \"1#楼\", {}footprint_m: [({bx0}, {bz0}), ({bx1}, {bz0}), ({bx1}, {bz1}), ({bx0}, {bz1})], \
             floors_total: {}, floors_built: {built}, floor_height_m: 3.0)],",
            m("B1"),
            self.storeys
        );
        let mast_m = (f64::from(self.storeys) * 3.0 + 15.0).max(30.0);
        t.push_str("cranes: [");
        for i in 1..=self.cranes {
            let x = w * f64::from(i) / (f64::from(self.cranes) + 1.0);
            let _ = write!(
                t,
                "(id: \"TC{i}\", name: \"{i}#塔吊\", {}position_m: ({x}, 0.0, {z}), mast_height_m: {mast_m}, jib_length_m: 50.0, \
                 counter_jib_length_m: 12.0, rating: MaxLoadMoment(max_load_t: 6.0, rated_moment_kn_m: 800.0)),",
                m(&format!("TC{i}")),
                z = 0.5 * d
            );
        }
        t.push_str("],\nhoists: [");
        for i in 1..=self.hoists {
            let x = bx0 + 6.0 + 10.0 * f64::from(i - 1);
            let _ = write!(
                t,
                "(id: \"HS{i}\", name: \"{i}#施工升降机\", {}position_m: ({x}, 0.0, {z}), mast_height_m: {h}, rated_load_kg: 2000.0, cages: 1),",
                m(&format!("HS{i}")),
                z = bz1 + 2.0,
                h = f64::from(self.storeys) * 3.0 + 6.0
            );
        }
        t.push_str("],\n");
        let (px0, px1, pz0, pz1) = (0.62 * w, 0.9 * w, 0.55 * d, 0.85 * d);
        if self.pit_depth_m > 0.0 {
            let support = if self.pit_depth_m >= 5.0 {
                "RetainingPiles(pile_diameter_m: 0.8, pile_spacing_m: 1.2)"
            } else {
                "SoilNailWall"
            };
            let grade = if self.pit_depth_m >= 10.0 {
                1
            } else if self.pit_depth_m >= 5.0 {
                2
            } else {
                3
            };
            let _ = writeln!(
                t,
                "pits: [(id: \"PIT1\", name: \"基坑\", {}outline_m: [({px0}, {pz0}), ({px1}, {pz0}), ({px1}, {pz1}), ({px0}, {pz1})], \
                 depth_m: {}, support: {support}, safety_grade: {grade})],",
                m("PIT1"),
                self.pit_depth_m
            );
        }
        // Power: the main box at the gate, a sub box in the middle, a switch box per crane.
        let _ = write!(
            t,
            "distribution_boxes: [(id: \"DB0\", name: \"总配电箱\", {}position_m: (4.0, 0.0, {}), level: Main, rcd_rated_ma: 100.0, rcd_trip_time_s: 0.2), \
             (id: \"DB1\", name: \"1#分配电箱\", {}position_m: ({}, 0.0, {}), level: Sub, feeds_from: \"DB0\", rcd_rated_ma: 75.0, rcd_trip_time_s: 0.15),",
            m("DB0"),
            d - 4.0,
            m("DB1"),
            0.5 * w,
            0.5 * d + 4.0
        );
        for i in 1..=self.cranes {
            let x = w * f64::from(i) / (f64::from(self.cranes) + 1.0) + 2.5;
            let _ = write!(
                t,
                "(id: \"KB{i}\", name: \"{i}#塔吊开关箱\", {}position_m: ({x}, 0.0, {z}), level: Switch, feeds_from: \"DB1\", serves: \"TC{i}\", \
                 rcd_rated_ma: 30.0, rcd_trip_time_s: 0.1),",
                m(&format!("KB{i}")),
                z = 0.5 * d + 2.5
            );
        }
        t.push_str("],\n");
        let _ = writeln!(
            t,
            "gates: [(id: \"G1\", name: \"1#大门\", {}position_m: ({}, 0.0, {d}), width_m: 8.0, yaw_deg: 180.0)],",
            m("G1"),
            0.5 * w
        );
        let _ = writeln!(
            t,
            "facilities: [(id: \"DM1\", name: \"扬尘噪声监测站\", kind: DustMonitorMast, {}position_m: ({}, 0.0, {}), size_m: (1.0, 1.0), height_m: 5.0), \
             (id: \"OFFICE\", name: \"项目部办公室\", kind: SiteOffice, {}position_m: (14.0, 0.0, {}), size_m: (20.0, 6.0), height_m: 6.0)],",
            m("DM1"),
            0.5 * w + 8.0,
            d - 3.0,
            m("OFFICE"),
            d - 8.0
        );
        t.push_str("sensors: [\n");
        let mut sensor = |id: &str,
                          name: &str,
                          kind: &str,
                          unit: &str,
                          object: &str,
                          p: (f64, f64, f64),
                          interval_s: f64| {
            let _ = writeln!(
                t,
                "(id: {id:?}, name: {name:?}, kind: {kind}, unit: {unit:?}, anchor: (object: {object:?}), position_m: ({}, {}, {}), interval_s: {interval_s}),",
                p.0, p.1, p.2
            );
        };
        for i in 1..=self.cranes {
            let c = format!("TC{i}");
            let x = w * f64::from(i) / (f64::from(self.cranes) + 1.0);
            let (y, z) = (mast_m - 1.0, 0.5 * d);
            sensor(&format!("{c}-LOAD"), &format!("{i}#塔吊起重量"), "CraneLoad", "%", &c, (x, y, z), 10.0);
            sensor(&format!("{c}-MOM"), &format!("{i}#塔吊力矩"), "CraneMoment", "%", &c, (x, y, z), 10.0);
            sensor(
                &format!("{c}-WIND"),
                &format!("{i}#塔吊风速仪"),
                "WindSpeed",
                "m/s",
                &c,
                (x, mast_m + 3.0, z),
                10.0,
            );
            sensor(&format!("{c}-SLEW"), &format!("{i}#塔吊回转角度"), "SlewAngle", "deg", &c, (x, y, z), 10.0);
            sensor(&format!("{c}-RAD"), &format!("{i}#塔吊幅度"), "TrolleyRadius", "m", &c, (x, y, z), 10.0);
            sensor(
                &format!("{c}-HOOK"),
                &format!("{i}#塔吊吊钩高度"),
                "HookHeight",
                "m",
                &c,
                (x, 0.5 * mast_m, z),
                10.0,
            );
            sensor(
                &format!("KB{i}-I"),
                &format!("{i}#塔吊开关箱负荷电流"),
                "LoadCurrent",
                "A",
                &format!("KB{i}"),
                (x + 2.5, 1.4, z + 2.5),
                60.0,
            );
        }
        for i in 1..=self.hoists {
            let h = format!("HS{i}");
            let x = bx0 + 6.0 + 10.0 * f64::from(i - 1);
            sensor(&format!("{h}-LOAD"), &format!("{i}#升降机载重"), "HoistLoad", "%", &h, (x, 2.6, bz1 + 2.0), 10.0);
            sensor(
                &format!("{h}-HEIGHT"),
                &format!("{i}#升降机吊笼高度"),
                "HoistHeight",
                "m",
                &h,
                (x, 3.2, bz1 + 2.0),
                5.0,
            );
        }
        if self.pit_depth_m > 0.0 {
            let (mx, mz) = (0.5 * (px0 + px1), 0.5 * (pz0 + pz1));
            let points = [(mx, pz0 - 0.5), (px1 + 0.5, mz), (mx, pz1 + 0.5), (px0 - 0.5, mz)];
            for (k, (x, z)) in points.iter().enumerate() {
                let n = k + 1;
                sensor(
                    &format!("ZQS{n}"),
                    &format!("坡顶水平位移 ZQS{n}"),
                    "PitHorizontalDisplacement",
                    "mm",
                    "PIT1",
                    (*x, 0.1, *z),
                    3600.0,
                );
            }
            sensor("SW1", "坑外地下水位 SW1", "GroundwaterLevel", "mm", "PIT1", (px1 + 3.0, 0.1, mz), 3600.0);
        }
        let (dx, dz) = (0.5 * w + 8.0, d - 3.0);
        sensor("DM1-PM10", "PM10", "Pm10", "ug/m3", "DM1", (dx, 3.0, dz), 60.0);
        sensor("DM1-PM25", "PM2.5", "Pm25", "ug/m3", "DM1", (dx, 3.2, dz), 60.0);
        sensor("DM1-NOISE", "噪声", "Noise", "dB(A)", "DM1", (dx, 3.4, dz), 60.0);
        sensor("DM1-WS", "风速", "WindSpeed", "m/s", "DM1", (dx, 5.0, dz), 60.0);
        sensor("DB0-LEAK", "总箱剩余电流", "LeakageCurrent", "mA", "DB0", (4.0, 1.5, d - 4.0), 60.0);
        sensor("DB1-LEAK", "1#分箱剩余电流", "LeakageCurrent", "mA", "DB1", (0.5 * w, 1.2, 0.5 * d + 4.0), 60.0);
        sensor("G1-IN", "1#大门进场人数", "PersonnelIn", "people", "G1", (0.5 * w - 2.5, 2.5, d), 300.0);
        sensor("G1-OUT", "1#大门出场人数", "PersonnelOut", "people", "G1", (0.5 * w + 2.5, 2.5, d), 300.0);
        sensor("G1-ONSITE", "在场人数", "PersonnelOnSite", "people", "G1", (0.5 * w, 3.0, d), 300.0);
        t.push_str("],\n)\n");
        t
    }
}
