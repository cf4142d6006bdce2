//! The writer's findings steps against a store whose commits can be made to fail: a step is
//! answered only once stored, a refused one says why with its status and field, and a step whose
//! commit failed leaves nothing behind, in the store or in the register the writer keeps.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use sitetwin_core::findings::{Action, FindingInput, Item, Severity, Source, State, Step};
use sitetwin_core::rules::alarm::Alarm;
use sitetwin_core::rules::stoppage::SiteStoppage;
use tokio::sync::{broadcast, mpsc};

use super::*;
use crate::config::SiteConfig;
use crate::store::{
    Aggregate, CitySite, Pruned, Resolution, SqliteStore, StoreResult, StoredReading, StoredReview, TokenGrant,
};

/// A SQLite store whose commits fail while `fail` is set.
struct Flaky {
    inner: SqliteStore,
    fail: AtomicBool,
}

impl Store for Flaky {
    fn commit(&self, batch: &Batch) -> StoreResult<()> {
        if self.fail.load(Ordering::SeqCst) {
            return Err(StoreError("the disk is full (a test's store)".into()));
        }
        self.inner.commit(batch)
    }
    fn last_feed_id(&self) -> StoreResult<i64> {
        self.inner.last_feed_id()
    }
    fn has_reading(&self, site: &str, sensor: &str, time: DateTime<Utc>) -> StoreResult<bool> {
        self.inner.has_reading(site, sensor, time)
    }
    fn readings(
        &self,
        site: &str,
        sensor: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<StoredReading>> {
        self.inner.readings(site, sensor, from, to, limit)
    }
    fn aggregates(
        &self,
        site: &str,
        sensor: &str,
        resolution: Resolution,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<Aggregate>> {
        self.inner.aggregates(site, sensor, resolution, from, to, limit)
    }
    fn latest_times(&self, site: &str) -> StoreResult<Vec<(String, DateTime<Utc>)>> {
        self.inner.latest_times(site)
    }
    fn readings_since(&self, site: &str, since: DateTime<Utc>) -> StoreResult<Vec<StoredReading>> {
        self.inner.readings_since(site, since)
    }
    fn feed_after(&self, site: &str, after: i64, limit: usize) -> StoreResult<Vec<FeedItem>> {
        self.inner.feed_after(site, after, limit)
    }
    fn count_readings(&self, site: &str) -> StoreResult<u64> {
        self.inner.count_readings(site)
    }
    fn alarms(&self, site: &str, open_only: bool) -> StoreResult<Vec<Alarm>> {
        self.inner.alarms(site, open_only)
    }
    fn alarm(&self, site: &str, id: u64) -> StoreResult<Option<Alarm>> {
        self.inner.alarm(site, id)
    }
    fn last_alarm_id(&self, site: &str) -> StoreResult<u64> {
        self.inner.last_alarm_id(site)
    }
    fn status(&self, site: &str) -> StoreResult<Option<SiteStoppage>> {
        self.inner.status(site)
    }
    fn register_site(&self, site: &str, name: &str, district: &str, sensors: &[String]) -> StoreResult<()> {
        self.inner.register_site(site, name, district, sensors)
    }
    fn site_sensors(&self, site: &str) -> StoreResult<Option<Vec<String>>> {
        self.inner.site_sensors(site)
    }
    fn add_token(&self, hash: &str, grant: &TokenGrant) -> StoreResult<()> {
        self.inner.add_token(hash, grant)
    }
    fn token(&self, hash: &str) -> StoreResult<Option<TokenGrant>> {
        self.inner.token(hash)
    }
    fn revoke_token(&self, hash: &str) -> StoreResult<bool> {
        self.inner.revoke_token(hash)
    }
    fn reviews(&self, site: &str) -> StoreResult<Vec<StoredReview>> {
        self.inner.reviews(site)
    }
    fn findings(&self, site: &str) -> StoreResult<Vec<Item>> {
        self.inner.findings(site)
    }
    fn city_summary(&self) -> StoreResult<Vec<CitySite>> {
        self.inner.city_summary()
    }
    fn prune(&self, before: &PruneBefore, max_rows: usize) -> StoreResult<Pruned> {
        self.inner.prune(before, max_rows)
    }
}

/// A hazard on `object` of the demo site, entered by hand.
fn hazard(object: &str) -> FindingInput {
    FindingInput {
        source: Source::Manual,
        object: object.into(),
        at_m: None,
        table: None,
        item: Some("临边防护".into()),
        severity: Severity::Critical,
        zh: "临边防护缺失".into(),
        en: "edge protection missing".into(),
        found_at: Utc::now(),
    }
}

#[test]
fn a_findings_step_whose_commit_fails_leaves_nothing_in_the_store_or_the_register() {
    let dir = std::env::temp_dir().join(format!("sitetwin-gw-pipeline-{}-flaky", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Arc::new(Flaky { inner: SqliteStore::open(&dir).unwrap(), fail: AtomicBool::new(false) });
    let scene = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenes/demo.ron");
    let config = GatewayConfig { sites: vec![SiteConfig::scene(scene)], ..GatewayConfig::default() };
    let def = Arc::new(SiteDef::load(&config.sites[0]).unwrap());
    let runtime = SiteRuntime::restore(&def, store.as_ref(), Utc::now(), 0.0).unwrap();
    let (tx, rx) = mpsc::channel(16);
    let hub = Arc::new(Hub {
        index: [(def.id.clone(), 0)].into_iter().collect(),
        views: vec![RwLock::new(Arc::new(Writer::view_of(&runtime)))],
        feeds: vec![broadcast::channel(64).0],
        sites: vec![Arc::clone(&def)],
        store: Arc::clone(&store) as Arc<dyn Store>,
        owned: vec![true],
        finding_rules: config.findings.clone(),
        tx,
    });
    let mut feed = hub.feeds[0].subscribe();
    let writer = Writer::new(Arc::clone(&hub), vec![runtime], config, rx).unwrap();
    let thread = std::thread::spawn(move || writer.run());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let step = |by: &str, step: Step| rt.block_on(hub.finding(0, by.into(), step));

    let raised = step("王工", Step::Raise { finding: hazard("东侧临边") }).unwrap();
    assert_eq!((raised.id, raised.state), (1, State::Open));
    // Refused by the register: its status and field say why.
    let e = step("王工", Step::Verify { id: 9 }).unwrap_err();
    assert_eq!((e.http_status(), e.field()), (404, None), "{e}");
    let e = step("王工", Step::Verify { id: 1 }).unwrap_err();
    assert_eq!(e.http_status(), 409, "{e}");
    let e = step("王工", Step::Rectify { id: 1, note: " ".into(), photo: None }).unwrap_err();
    assert_eq!((e.http_status(), e.field()), (422, Some("note")), "{e}");
    let e = step(" ", Step::Verify { id: 1 }).unwrap_err();
    assert_eq!(e.http_status(), 409, "the state is looked at before who asks: {e}");
    let e = step(" ", Step::Rectify { id: 1, note: "n".into(), photo: None }).unwrap_err();
    assert_eq!((e.http_status(), e.field()), (422, Some("by")), "{e}");

    // The store fails: the steps are refused with 503, and neither the store nor the register
    // keeps them.
    store.fail.store(true, Ordering::SeqCst);
    let assign = Step::Assign { id: 1, owner: "李班长".into(), deadline: None };
    let e = step("王工", assign).unwrap_err();
    assert!(matches!(e, PipelineError::Store(_)) && e.http_status() == 503, "{e}");
    let e = step("王工", Step::Raise { finding: hazard("西侧临边") }).unwrap_err();
    assert_eq!(e.http_status(), 503, "{e}");
    store.fail.store(false, Ordering::SeqCst);
    let rectify = Step::Rectify { id: 1, note: "加装防护栏杆".into(), photo: None };
    let rectified = step("李班长", rectify).unwrap();
    let actions: Vec<Action> = rectified.history.iter().map(|c| c.action).collect();
    assert_eq!(actions, [Action::Raised, Action::Rectified], "the failed assignment is not in its history");
    assert_eq!(rectified.owner, None);
    let again = step("王工", Step::Raise { finding: hazard("西侧临边") }).unwrap();
    assert_eq!(again.id, 2, "the failed raise took no id");
    assert_eq!(store.findings(&def.id).unwrap(), vec![rectified.clone(), again.clone()]);

    // The live feed carried what was stored, and only that (it is told after the answers: the
    // writer has stopped when it is read).
    rt.block_on(hub.send(Command::Shutdown)).unwrap();
    thread.join().unwrap();
    let mut streamed = Vec::new();
    while let Ok(rows) = feed.try_recv() {
        for row in rows.iter() {
            if let FeedItem::Event(e) = row
                && e.kind == "finding"
            {
                assert_eq!(e.body["site"], def.id.as_str());
                streamed.push(serde_json::from_value::<Item>(e.body["item"].clone()).unwrap());
            }
        }
    }
    assert_eq!(streamed, vec![raised, rectified, again]);
}
