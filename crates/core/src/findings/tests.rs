//! Tests of the findings loop: the lifecycle and its illegal transitions, deduplication, deadlines,
//! overdue and escalation at their boundaries, persistence, CSV and filters.

use std::path::PathBuf;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use super::*;

fn t(d: u32, h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, d, h, m, s).unwrap()
}

fn days(n: i64) -> TimeDelta {
    TimeDelta::days(n)
}

fn secs(n: i64) -> TimeDelta {
    TimeDelta::seconds(n)
}

/// A patrol finding on `object` in the tower-crane table, item `item`, found on 2 December 01:00.
fn patrol(object: &str, item: &str, severity: Severity) -> FindingInput {
    FindingInput {
        source: Source::Patrol { patrol: "daily@2026-12-02T01:00Z".into() },
        object: object.into(),
        at_m: Some([12.5, 0.0, -3.25]),
        table: Some(SubTable::TowerCrane),
        item: Some(item.into()),
        severity,
        zh: "起重量限制器失效".into(),
        en: "load limiter not working".into(),
        found_at: t(2, 1, 0, 0),
    }
}

fn alarm(sensor: &str, rule: &str) -> FindingInput {
    FindingInput {
        source: Source::Alarm { sensor: sensor.into(), rule: Some(rule.into()) },
        object: "T1".into(),
        at_m: None,
        table: None,
        item: None,
        severity: Severity::Critical,
        zh: "风速超限".into(),
        en: "wind speed over the limit".into(),
        found_at: t(2, 3, 0, 0),
    }
}

fn actions(item: &Item) -> Vec<Action> {
    item.history.iter().map(|c| c.action).collect()
}

/// A fresh folder for one test.
fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sitetwin-findings-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn full_lifecycle_raise_assign_rectify_verify() {
    let mut r = Register::default();
    let id = r.raise(patrol("T1", "起重量限制器", Severity::Major), "王工", t(2, 1, 5, 0)).unwrap();
    assert_eq!(id, 1);
    let item = r.get(id).unwrap();
    assert_eq!(item.state, State::Open);
    assert_eq!(item.owner, None);
    // The default deadline of a major hazard is 3 days from when it was found (not raised).
    assert_eq!(item.deadline, Some(t(5, 1, 0, 0)));

    r.assign(id, " 李班长 ", Some(t(4, 18, 0, 0)), "王工", t(2, 2, 0, 0)).unwrap();
    let item = r.get(id).unwrap();
    assert_eq!(item.owner.as_deref(), Some("李班长"), "the owner is trimmed");
    assert_eq!(item.deadline, Some(t(4, 18, 0, 0)));
    assert_eq!(item.state, State::Open);
    assert_eq!(item.history[1].note, "owner 李班长, deadline 2026-12-04T18:00:00Z");

    r.rectify(id, "更换限制器并试吊合格", Some("photos/t1-limiter.jpg"), "李班长", t(3, 9, 0, 0)).unwrap();
    let item = r.get(id).unwrap();
    assert_eq!(item.state, State::Rectified);
    let ev = item.evidence().unwrap();
    assert_eq!(ev.note, "更换限制器并试吊合格");
    assert_eq!(ev.photo.as_deref(), Some("photos/t1-limiter.jpg"));
    assert_eq!(ev.by, "李班长");

    r.verify(id, "王工", t(3, 15, 0, 0)).unwrap();
    let item = r.get(id).unwrap();
    assert_eq!(item.state, State::Verified);
    assert_eq!(actions(item), [Action::Raised, Action::Assigned, Action::Rectified, Action::Verified]);
    assert_eq!(item.history[0].at, t(2, 1, 5, 0));
    assert!(item.evidence().is_some(), "a verified item keeps the evidence it was verified on");
    // A verified item is never overdue, long after its deadline.
    assert!(!item.overdue(t(30, 0, 0, 0)));
    assert_eq!(r.escalation(item, t(30, 0, 0, 0)), Escalation::None);
}

#[test]
fn assign_without_deadline_keeps_the_default_and_ids_are_sequential() {
    let mut r = Register::default();
    let a = r.raise(patrol("T1", "a", Severity::Critical), "w", t(2, 1, 0, 0)).unwrap();
    let b = r.raise(patrol("T1", "b", Severity::Minor), "w", t(2, 1, 0, 0)).unwrap();
    let c = r.raise(patrol("T2", "a", Severity::Major), "w", t(2, 1, 0, 0)).unwrap();
    assert_eq!((a, b, c), (1, 2, 3));
    r.assign(b, "李", None, "w", t(2, 2, 0, 0)).unwrap();
    assert_eq!(r.get(a).unwrap().deadline, Some(t(3, 1, 0, 0)), "critical: 1 day");
    assert_eq!(r.get(b).unwrap().deadline, Some(t(9, 1, 0, 0)), "minor: 7 days, kept by the assignment");
    assert_eq!(r.get(c).unwrap().deadline, Some(t(5, 1, 0, 0)), "major: 3 days");
    assert_eq!(r.get(b).unwrap().owner.as_deref(), Some("李"));
    let assigned = r.get(b).unwrap().history.last().unwrap();
    assert_eq!(assigned.note, "owner 李, deadline 2026-12-09T01:00:00Z");
    assert_eq!(assigned.note_in(Lang::Zh), "责任人 李，整改期限 2026-12-09T01:00:00Z");
    // Both languages are kept with the change, and a change without them (older files, notes a
    // person wrote) reads as it was.
    let json = serde_json::to_string(assigned).unwrap();
    let back: Change = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, assigned);
    let old: Change = serde_json::from_str(
        &json.replace(&format!(",\"said\":{}", serde_json::to_string(&assigned.said).unwrap()), ""),
    )
    .unwrap();
    assert_eq!((&old.said, old.note_in(Lang::Zh)), (&None, assigned.note.as_str()));
}

#[test]
fn deadline_rules_are_configurable() {
    let rules = FindingRules {
        deadlines: DeadlineRules { critical_days: 0, major_days: 2, minor_days: 14 },
        ..FindingRules::default()
    };
    let mut r = Register::new(rules);
    let a = r.raise(patrol("T1", "a", Severity::Critical), "w", t(2, 1, 0, 0)).unwrap();
    let b = r.raise(patrol("T1", "b", Severity::Major), "w", t(2, 1, 0, 0)).unwrap();
    let c = r.raise(patrol("T1", "c", Severity::Minor), "w", t(2, 1, 0, 0)).unwrap();
    assert_eq!(r.get(a).unwrap().deadline, Some(t(2, 1, 0, 0)));
    assert_eq!(r.get(b).unwrap().deadline, Some(t(4, 1, 0, 0)));
    assert_eq!(r.get(c).unwrap().deadline, Some(t(16, 1, 0, 0)));
    assert_eq!(DeadlineRules::default(), DeadlineRules { critical_days: 1, major_days: 3, minor_days: 7 });
    assert_eq!(EscalationRules::default(), EscalationRules { escalate_after_days: 3, max_level: 3 });
}

#[test]
fn reopen_from_rectified_and_from_verified_then_rectify_again() {
    let mut r = Register::default();
    let id = r.raise(patrol("T1", "吊钩保险", Severity::Minor), "王工", t(2, 1, 0, 0)).unwrap();
    r.rectify(id, "加装保险装置", None, "李", t(2, 8, 0, 0)).unwrap();
    r.reopen(id, "保险装置未锁定", "王工", t(2, 9, 0, 0)).unwrap();
    assert_eq!(r.get(id).unwrap().state, State::Reopened);
    assert!(r.get(id).unwrap().evidence().is_none(), "a reopened item has no standing evidence");
    // A reopened item can be reassigned and rectified again.
    r.assign(id, "张", Some(t(3, 9, 0, 0)), "王工", t(2, 9, 0, 0)).unwrap();
    r.rectify(id, "保险装置已锁定", Some("p2.jpg"), "张", t(2, 12, 0, 0)).unwrap();
    assert_eq!(r.get(id).unwrap().evidence().unwrap().note, "保险装置已锁定");
    r.verify(id, "王工", t(2, 13, 0, 0)).unwrap();
    // And a verified one can be reopened (the hazard was back at the next patrol).
    r.reopen(id, "复查发现再次失效", "王工", t(4, 9, 0, 0)).unwrap();
    assert_eq!(r.get(id).unwrap().state, State::Reopened);
    r.rectify(id, "更换吊钩", None, "张", t(4, 11, 0, 0)).unwrap();
    r.verify(id, "王工", t(4, 12, 0, 0)).unwrap();
    let item = r.get(id).unwrap();
    assert_eq!(item.state, State::Verified);
    assert_eq!(
        actions(item),
        [
            Action::Raised,
            Action::Rectified,
            Action::Reopened,
            Action::Assigned,
            Action::Rectified,
            Action::Verified,
            Action::Reopened,
            Action::Rectified,
            Action::Verified
        ]
    );
    assert_eq!(item.history[2].note, "保险装置未锁定");
    assert_eq!(item.evidence().unwrap().note, "更换吊钩");
}

/// Puts a new item in `state` and returns the register and its id.
fn in_state(state: State) -> (Register, u64) {
    let mut r = Register::default();
    let id = r.raise(patrol("T1", "x", Severity::Major), "w", t(2, 1, 0, 0)).unwrap();
    match state {
        State::Open => {}
        State::Rectified => r.rectify(id, "done", None, "o", t(2, 2, 0, 0)).unwrap(),
        State::Verified => {
            r.rectify(id, "done", None, "o", t(2, 2, 0, 0)).unwrap();
            r.verify(id, "w", t(2, 3, 0, 0)).unwrap();
        }
        State::Reopened => {
            r.rectify(id, "done", None, "o", t(2, 2, 0, 0)).unwrap();
            r.reopen(id, "not done", "w", t(2, 3, 0, 0)).unwrap();
        }
    }
    assert_eq!(r.get(id).unwrap().state, state);
    (r, id)
}

fn attempt(r: &mut Register, id: u64, action: Action) -> Result<(), FindingsError> {
    let at = t(2, 4, 0, 0);
    match action {
        Action::Assigned => r.assign(id, "o", None, "w", at),
        Action::Rectified => r.rectify(id, "done", None, "o", at),
        Action::Verified => r.verify(id, "w", at),
        Action::Reopened => r.reopen(id, "why", "w", at),
        Action::Raised | Action::Repeated | Action::Escalated => unreachable!(),
    }
}

#[test]
fn every_transition_is_allowed_or_a_clear_error_naming_the_item() {
    let table = [
        (State::Open, Action::Assigned, true),
        (State::Open, Action::Rectified, true),
        (State::Open, Action::Verified, false),
        (State::Open, Action::Reopened, false),
        (State::Rectified, Action::Assigned, false),
        (State::Rectified, Action::Rectified, false),
        (State::Rectified, Action::Verified, true),
        (State::Rectified, Action::Reopened, true),
        (State::Verified, Action::Assigned, false),
        (State::Verified, Action::Rectified, false),
        (State::Verified, Action::Verified, false),
        (State::Verified, Action::Reopened, true),
        (State::Reopened, Action::Assigned, true),
        (State::Reopened, Action::Rectified, true),
        (State::Reopened, Action::Verified, false),
        (State::Reopened, Action::Reopened, false),
    ];
    for (state, action, ok) in table {
        let (mut r, id) = in_state(state);
        let before = r.clone();
        let got = attempt(&mut r, id, action);
        if ok {
            assert!(got.is_ok(), "{state} + {action}: {got:?}");
            continue;
        }
        match &got {
            Err(FindingsError::Transition { id: i, from, action: a }) => {
                assert_eq!((*i, *from, *a), (id, state, action));
            }
            other => panic!("{state} + {action}: {other:?}"),
        }
        let msg = got.unwrap_err().to_string();
        assert!(msg.starts_with(&format!("item {id} is {state}: it cannot be {action}; only ")), "{msg}");
        assert_eq!(r, before, "a refused transition changes nothing");
    }
    let (mut r, id) = in_state(State::Verified);
    let msg = r.rectify(id, "again", None, "o", t(3, 0, 0, 0)).unwrap_err().to_string();
    assert_eq!(msg, "item 1 is verified: it cannot be rectified; only an open or reopened item can be");
    let (mut r, id) = in_state(State::Open);
    let msg = r.verify(id, "w", t(3, 0, 0, 0)).unwrap_err().to_string();
    assert_eq!(msg, "item 1 is open: it cannot be verified; only a rectified item can be");
}

#[test]
fn unknown_ids_are_errors() {
    let (mut r, _) = in_state(State::Rectified);
    let at = t(3, 0, 0, 0);
    for got in [
        r.assign(9, "o", None, "w", at),
        r.rectify(9, "n", None, "o", at),
        r.verify(9, "w", at),
        r.reopen(9, "n", "w", at),
    ] {
        assert!(matches!(got, Err(FindingsError::NoSuchItem(9))), "{got:?}");
    }
    assert_eq!(FindingsError::NoSuchItem(9).to_string(), "no finding item 9 in the register");
    assert!(r.get(0).is_none());
}

#[test]
fn times_must_not_go_backwards_within_an_item() {
    let mut r = Register::default();
    let id = r.raise(patrol("T1", "x", Severity::Major), "w", t(2, 10, 0, 0)).unwrap();
    let got = r.rectify(id, "done", None, "o", t(2, 9, 59, 59));
    match got {
        Err(FindingsError::TimeBackwards { id: i, last, at }) => {
            assert_eq!((i, last, at), (id, t(2, 10, 0, 0), t(2, 9, 59, 59)));
        }
        other => panic!("{other:?}"),
    }
    // The same instant is not backwards.
    r.rectify(id, "done", None, "o", t(2, 10, 0, 0)).unwrap();
    let e = r.verify(id, "w", t(2, 9, 0, 0)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "item 1: 2026-12-02T09:00:00Z is before its last change at 2026-12-02T10:00:00Z; an item's times must not go backwards"
    );
    // A repeat raised before the item's last change is refused too, and changes nothing.
    let before = r.clone();
    let mut late = patrol("T1", "x", Severity::Major);
    late.found_at = t(2, 0, 0, 0);
    assert!(matches!(r.raise(late, "w", t(2, 9, 0, 0)), Err(FindingsError::TimeBackwards { .. })));
    assert_eq!(r, before);
    // Items are independent: another item may be dated earlier.
    r.raise(patrol("T2", "x", Severity::Major), "w", t(1, 0, 0, 0)).unwrap();
}

#[test]
fn blank_texts_bad_positions_and_past_deadlines_are_refused() {
    let mut r = Register::default();
    let at = t(2, 2, 0, 0);
    let blank = |e: Result<u64, FindingsError>| match e {
        Err(FindingsError::Blank { id: None, field }) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(blank(r.raise(patrol(" ", "x", Severity::Minor), "w", at)), "object");
    assert_eq!(blank(r.raise(patrol("T1", "x", Severity::Minor), "  ", at)), "name of who raised it");
    assert_eq!(blank(r.raise(patrol("T1", "", Severity::Minor), "w", at)), "check item");
    let mut no_text = patrol("T1", "x", Severity::Minor);
    (no_text.zh, no_text.en) = (" ".into(), String::new());
    assert_eq!(blank(r.raise(no_text, "w", at)), "finding text (zh and en)");
    assert_eq!(blank(r.raise(alarm(" ", "r"), "w", at)), "alarm sensor");
    let mut no_patrol = patrol("T1", "x", Severity::Minor);
    no_patrol.source = Source::Patrol { patrol: "".into() };
    assert_eq!(blank(r.raise(no_patrol, "w", at)), "patrol id");
    // One language is enough.
    let mut zh_only = patrol("T1", "x", Severity::Minor);
    zh_only.en = String::new();
    r.raise(zh_only, "w", at).unwrap();
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut p = patrol("T9", "x", Severity::Minor);
        p.at_m = Some([1.0, bad, 2.0]);
        assert!(matches!(r.raise(p, "w", at), Err(FindingsError::BadPosition { .. })));
    }
    let mut end = patrol("T9", "x", Severity::Minor);
    end.found_at = DateTime::<Utc>::MAX_UTC - days(1);
    assert!(matches!(r.raise(end, "w", at), Err(FindingsError::OutOfRange { .. })));
    assert_eq!(r.len(), 1, "nothing refused was raised");

    let id = 1;
    let before = r.clone();
    let e = r.rectify(id, " \n", None, "o", at).unwrap_err();
    assert!(matches!(e, FindingsError::Blank { id: Some(1), field: "rectification note" }), "{e:?}");
    assert_eq!(e.to_string(), "item 1: the rectification note is empty");
    let e = r.rectify(id, "done", Some(""), "o", at).unwrap_err();
    assert!(matches!(e, FindingsError::Blank { field: "photo path", .. }), "{e:?}");
    let e = r.assign(id, "", None, "w", at).unwrap_err();
    assert!(matches!(e, FindingsError::Blank { field: "owner", .. }), "{e:?}");
    // A deadline must be after the assignment: at it is refused, one second after is fine.
    let e = r.assign(id, "o", Some(at), "w", at).unwrap_err();
    assert!(matches!(e, FindingsError::DeadlineNotAfter { id: 1, .. }), "{e:?}");
    assert_eq!(r, before);
    r.assign(id, "o", Some(at + secs(1)), "w", at).unwrap();
    r.rectify(id, "done", None, "o", at).unwrap();
    let e = r.reopen(id, "", "w", at).unwrap_err();
    assert!(matches!(e, FindingsError::Blank { field: "reason for reopening", .. }), "{e:?}");
    let e = r.verify(id, "", at).unwrap_err();
    assert!(matches!(e, FindingsError::Blank { field: "name of who verified it", .. }), "{e:?}");
}

#[test]
fn repeats_of_an_unverified_item_are_noted_not_duplicated() {
    let mut r = Register::default();
    let id = r.raise(patrol("T1", "起重量限制器", Severity::Major), "王工", t(2, 1, 0, 0)).unwrap();
    // The next day's patrol finds it again, more severe: the same item, with a note.
    let mut again = patrol("T1", "起重量限制器", Severity::Critical);
    again.source = Source::Patrol { patrol: "daily@2026-12-03T01:00Z".into() };
    again.found_at = t(3, 1, 0, 0);
    assert_eq!(r.raise(again, "赵工", t(3, 1, 10, 0)).unwrap(), id);
    assert_eq!(r.len(), 1);
    let item = r.get(id).unwrap();
    assert_eq!(actions(item), [Action::Raised, Action::Repeated]);
    let rep = &item.history[1];
    assert_eq!((rep.at, rep.by.as_str()), (t(3, 1, 10, 0), "赵工"));
    assert_eq!(
        rep.note,
        "patrol daily@2026-12-03T01:00Z at 2026-12-03T01:00:00Z, severity critical: 起重量限制器失效 / load limiter not working"
    );
    // The register words it in both languages; the UI shows the Chinese one in the Chinese UI.
    assert_eq!(rep.note_in(Lang::En), rep.note);
    assert_eq!(
        rep.note_in(Lang::Zh),
        "巡检 daily@2026-12-03T01:00Z 于 2026-12-03T01:00:00Z 再次发现，等级重大隐患：起重量限制器失效"
    );
    assert_eq!(item.history[0].note_in(Lang::Zh), "", "a raise has no note");
    assert_eq!(item.input.severity, Severity::Major, "the item keeps the finding as first raised");
    assert_eq!(item.deadline, Some(t(5, 1, 0, 0)), "and its deadline");

    // While rectified (not yet verified) a repeat is still the same item, which stays rectified.
    r.rectify(id, "更换", None, "李", t(3, 2, 0, 0)).unwrap();
    assert_eq!(r.raise(patrol("T1", "起重量限制器", Severity::Major), "w", t(3, 3, 0, 0)).unwrap(), id);
    assert_eq!(r.get(id).unwrap().state, State::Rectified);

    // Once verified, the same finding opens a new item.
    r.verify(id, "王工", t(3, 4, 0, 0)).unwrap();
    let new = r.raise(patrol("T1", "起重量限制器", Severity::Major), "w", t(4, 1, 0, 0)).unwrap();
    assert_eq!(new, 2);
    assert_eq!(r.get(new).unwrap().state, State::Open);
    assert_eq!(actions(r.get(id).unwrap()).len(), 5, "the verified item is untouched");
    // And the next repeat goes to the new item, not the verified one.
    assert_eq!(r.raise(patrol("T1", "起重量限制器", Severity::Major), "w", t(4, 2, 0, 0)).unwrap(), new);
}

#[test]
fn what_makes_a_finding_the_same_hazard() {
    let mut r = Register::default();
    let at = t(2, 5, 0, 0);
    let base = r.raise(patrol("T1", "item", Severity::Major), "w", at).unwrap();
    // Another object, table, item or source kind is another hazard.
    let mut other_table = patrol("T1", "item", Severity::Major);
    other_table.table = Some(SubTable::LiftingOperations);
    let mut no_table = patrol("T1", "item", Severity::Major);
    no_table.table = None;
    let mut manual = patrol("T1", "item", Severity::Major);
    manual.source = Source::Manual;
    let mut duty = patrol("T1", "item", Severity::Major);
    duty.source = Source::Duty;
    let distinct = [
        patrol("T2", "item", Severity::Major),
        patrol("T1", "other", Severity::Major),
        other_table,
        no_table,
        manual,
        duty,
    ];
    let mut ids = vec![base];
    for input in distinct {
        let id = r.raise(input.clone(), "w", at).unwrap();
        assert!(!ids.contains(&id), "{input:?} is a new hazard");
        ids.push(id);
    }
    // The text, the position and the patrol do not matter when the item is named.
    let mut reworded = patrol("T1", "item", Severity::Minor);
    (reworded.zh, reworded.en, reworded.at_m) = ("限制器损坏".into(), "limiter broken".into(), None);
    assert_eq!(r.raise(reworded, "w", at).unwrap(), base);

    // Alarms: the same sensor is the same hazard whatever the rule and text; another sensor is not.
    let a = r.raise(alarm("T1-wind", "crane.wind.warning"), "gateway", at).unwrap();
    let mut next_level = alarm("T1-wind", "crane.wind.alarm");
    next_level.zh = "风速 15.2 m/s 超限".into();
    assert_eq!(r.raise(next_level, "gateway", at).unwrap(), a);
    let b = r.raise(alarm("T1-wind-2", "crane.wind.warning"), "gateway", at).unwrap();
    assert_ne!(a, b);

    // Without an item, two findings on one object are told apart by their text.
    let itemless = |zh: &str| FindingInput {
        source: Source::Manual,
        object: "pit-1".into(),
        at_m: None,
        table: Some(SubTable::FoundationPit),
        item: None,
        severity: Severity::Minor,
        zh: zh.into(),
        en: String::new(),
        found_at: t(2, 4, 0, 0),
    };
    let c = r.raise(itemless("临边防护缺失"), "w", at).unwrap();
    let d = r.raise(itemless("坑边堆载过近"), "w", at).unwrap();
    assert_ne!(c, d);
    assert_eq!(r.raise(itemless("临边防护缺失"), "w", at).unwrap(), c);
    assert_eq!(r.len(), ids.len() + 4);
}

#[test]
fn overdue_is_strictly_after_the_deadline_and_only_while_awaiting_rectification() {
    let (mut r, id) = in_state(State::Open);
    let deadline = r.get(id).unwrap().deadline.unwrap();
    assert_eq!(deadline, t(5, 1, 0, 0));
    let item = r.get(id).unwrap();
    assert!(!item.overdue(deadline - secs(1)));
    assert!(!item.overdue(deadline), "at the deadline itself it is not overdue");
    assert_eq!(r.escalation(item, deadline), Escalation::None);
    assert_eq!(item.overdue_days(deadline), None);
    assert!(item.overdue(deadline + secs(1)));
    assert_eq!(r.escalation(item, deadline + secs(1)), Escalation::Overdue { days: 0 });
    assert_eq!(item.overdue_days(deadline + secs(1)), Some(0));
    assert_eq!(item.overdue_days(deadline + days(1) - secs(1)), Some(0));
    assert_eq!(item.overdue_days(deadline + days(1)), Some(1));

    // Rectified past the deadline: not overdue (it awaits the inspector, not the owner).
    r.rectify(id, "done", None, "o", deadline + days(1)).unwrap();
    assert!(!r.get(id).unwrap().overdue(deadline + days(2)));
    // Reopened: overdue again against the same deadline.
    r.reopen(id, "not done", "w", deadline + days(2)).unwrap();
    let item = r.get(id).unwrap();
    assert!(item.overdue(deadline + days(2)));
    assert_eq!(r.escalation(item, deadline + days(2)), Escalation::Overdue { days: 2 });
    // A new deadline from a reassignment clears it.
    r.assign(id, "o", Some(deadline + days(4)), "w", deadline + days(2)).unwrap();
    assert!(!r.get(id).unwrap().overdue(deadline + days(3)));
}

#[test]
fn escalation_levels_at_the_day_boundaries() {
    let (r, id) = in_state(State::Open);
    let item = r.get(id).unwrap();
    let d = item.deadline.unwrap();
    let rules = EscalationRules::default();
    let at = |delta: TimeDelta| item.escalation(d + delta, &rules);
    assert_eq!(at(days(3) - secs(1)), Escalation::Overdue { days: 2 });
    assert_eq!(at(days(3)), Escalation::Overdue { days: 3 }, "exactly 3 days past: not yet escalated");
    assert_eq!(at(days(3) + secs(1)), Escalation::Escalated { level: 1 });
    assert_eq!(at(days(6)), Escalation::Escalated { level: 1 });
    assert_eq!(at(days(6) + secs(1)), Escalation::Escalated { level: 2 });
    assert_eq!(at(days(9)), Escalation::Escalated { level: 2 });
    assert_eq!(at(days(9) + secs(1)), Escalation::Escalated { level: 3 });
    assert_eq!(at(days(365)), Escalation::Escalated { level: 3 }, "capped at max_level");
    assert_eq!(at(days(365 * 1000)), Escalation::Escalated { level: 3 });

    let weekly = EscalationRules { escalate_after_days: 7, max_level: 5 };
    assert_eq!(item.escalation(d + days(7), &weekly), Escalation::Overdue { days: 7 });
    assert_eq!(item.escalation(d + days(7) + secs(1), &weekly), Escalation::Escalated { level: 1 });
    assert_eq!(item.escalation(d + days(100), &weekly), Escalation::Escalated { level: 5 });
    for off in [
        EscalationRules { escalate_after_days: 0, max_level: 3 },
        EscalationRules { escalate_after_days: 3, max_level: 0 },
    ] {
        assert_eq!(item.escalation(d + days(30), &off), Escalation::Overdue { days: 30 }, "{off:?}");
    }
    assert_eq!(Escalation::Escalated { level: 2 }.name(), "level 2");
    assert!(Escalation::Escalated { level: 1 }.rank() > Escalation::Overdue { days: 99 }.rank());
    assert!(Escalation::Overdue { days: 0 }.rank() > Escalation::None.rank());
}

#[test]
fn escalations_are_recorded_once_per_step_past_the_deadline_and_afresh_after_a_new_deadline() {
    let (mut r, id) = in_state(State::Open);
    let d = r.get(id).unwrap().deadline.unwrap();
    let escalations = |r: &Register| {
        let item = r.get(id).unwrap();
        item.history.iter().filter(|c| c.action == Action::Escalated).map(|c| (c.at, c.escalation)).collect::<Vec<_>>()
    };
    // At the deadline itself it is not overdue: nothing to record.
    assert_eq!(r.escalate("gateway", d).unwrap(), Vec::<u64>::new());
    // A second past it: overdue, recorded once however often it is asked.
    assert_eq!(r.escalate("gateway", d + secs(1)).unwrap(), vec![id]);
    assert_eq!(r.escalate("gateway", d + secs(1)).unwrap(), Vec::<u64>::new());
    assert_eq!(r.escalate("gateway", d + days(3)).unwrap(), Vec::<u64>::new(), "3 days past: still overdue only");
    let last = r.get(id).unwrap().history.last().unwrap().clone();
    assert_eq!(last.action, Action::Escalated);
    assert_eq!(last.by, "gateway");
    assert_eq!(last.note, format!("overdue, deadline {}", rfc(d)));
    assert_eq!(r.get(id).unwrap().recorded_escalation(), Some(Escalation::Overdue { days: 0 }));
    // Just past 3 days: level 1; the state does not change.
    assert_eq!(r.escalate("gateway", d + days(3) + secs(1)).unwrap(), vec![id]);
    assert_eq!(r.get(id).unwrap().state, State::Open);
    // Asked only after two more levels passed: one change, at the level reached.
    assert_eq!(r.escalate("gateway", d + days(10)).unwrap(), vec![id]);
    assert_eq!(
        escalations(&r),
        vec![
            (d + secs(1), Some(Escalation::Overdue { days: 0 })),
            (d + days(3) + secs(1), Some(Escalation::Escalated { level: 1 })),
            (d + days(10), Some(Escalation::Escalated { level: 3 })),
        ]
    );
    assert_eq!(r.escalate("gateway", d + days(400)).unwrap(), Vec::<u64>::new(), "capped at max_level");

    // A new deadline starts afresh: not overdue under it, then overdue again past it.
    let d2 = d + days(20);
    r.assign(id, "o", Some(d2), "w", d + days(11)).unwrap();
    assert_eq!(r.get(id).unwrap().recorded_escalation(), None);
    assert_eq!(r.escalate("gateway", d + days(12)).unwrap(), Vec::<u64>::new());
    assert_eq!(r.escalate("gateway", d2 + secs(1)).unwrap(), vec![id]);
    // An assignment keeping the deadline does not: the record still applies.
    r.assign(id, "o2", None, "w", d2 + secs(2)).unwrap();
    assert_eq!(r.escalate("gateway", d2 + secs(3)).unwrap(), Vec::<u64>::new());

    assert_eq!(r.escalate("gateway", d2 + days(3) + secs(1)).unwrap(), vec![id]);

    // Rectified items are not escalated; reopened ones are, afresh.
    r.rectify(id, "done", None, "o", d2 + days(4)).unwrap();
    assert_eq!(r.escalate("gateway", d2 + days(5)).unwrap(), Vec::<u64>::new());
    r.reopen(id, "not done", "w", d2 + days(5)).unwrap();
    assert_eq!(r.get(id).unwrap().recorded_escalation(), None);
    assert_eq!(r.escalate("gateway", d2 + days(5) + secs(1)).unwrap(), vec![id]);
    assert_eq!(r.get(id).unwrap().recorded_escalation(), Some(Escalation::Escalated { level: 1 }));
    assert!(matches!(r.escalate(" ", d2 + days(9)), Err(FindingsError::Blank { .. })));
}

#[test]
fn an_escalation_is_timed_at_the_last_change_when_the_clock_is_behind_it() {
    let (mut r, id) = in_state(State::Open);
    let d = r.get(id).unwrap().deadline.unwrap();
    // A step timed well past the deadline (a clock that was ahead), then the clock is behind it.
    r.assign(id, "o", None, "w", d + days(5)).unwrap();
    assert_eq!(r.escalate("gateway", d + days(1)).unwrap(), vec![id]);
    let last = r.get(id).unwrap().history.last().unwrap();
    assert_eq!(last.at, d + days(5), "not before the last change");
    assert_eq!(last.escalation, Some(Escalation::Overdue { days: 1 }), "judged at the clock's time");
}

/// An escalation survives a file's round trip, and files written before escalations existed load.
#[test]
fn escalation_changes_round_trip_and_old_changes_have_none() {
    let (mut r, id) = in_state(State::Open);
    let d = r.get(id).unwrap().deadline.unwrap();
    r.escalate("gateway", d + days(4)).unwrap();
    let json = serde_json::to_string(r.get(id).unwrap()).unwrap();
    assert_eq!(json.matches("\"escalation\"").count(), 1, "only the escalated change carries one: {json}");
    let back: Item = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, r.get(id).unwrap());
    assert_eq!(back.recorded_escalation(), Some(Escalation::Escalated { level: 1 }));
}

/// A register with items in every state, Chinese, a photo, positions and sub-second times.
fn sample() -> Register {
    let mut r = Register::default();
    let a = r.raise(patrol("T1", "起重量限制器", Severity::Major), "王工", t(2, 1, 5, 0)).unwrap();
    r.assign(a, "李班长", Some(t(4, 18, 0, 0)), "王工", t(2, 2, 0, 0)).unwrap();
    r.rectify(a, "更换限制器, 试吊\"合格\"", Some("照片/t1 限制器.jpg"), "李班长", t(3, 9, 0, 0)).unwrap();
    r.verify(a, "王工", t(3, 15, 0, 0)).unwrap();
    let mut wind = alarm("T1-wind", "crane.wind.alarm");
    wind.found_at = t(2, 3, 0, 0) + TimeDelta::milliseconds(250);
    wind.at_m = Some([0.1, 45.0, 1e-3]);
    let b = r.raise(wind, "gateway", t(2, 3, 0, 1)).unwrap();
    r.rectify(b, "塔吊停止作业", None, "司机", t(2, 4, 0, 0)).unwrap();
    r.raise(
        FindingInput {
            source: Source::Duty,
            object: "box-2".into(),
            at_m: None,
            table: Some(SubTable::TemporaryElectricity),
            item: Some("BoxesLocked".into()),
            severity: Severity::Minor,
            zh: "配电箱未上锁".into(),
            en: "distribution box not locked".into(),
            found_at: t(2, 20, 0, 0),
        },
        "值班",
        t(2, 20, 0, 0),
    )
    .unwrap();
    r
}

#[test]
fn persistence_round_trips_byte_for_byte() {
    let d = dir("roundtrip");
    let path = d.join("findings.json");
    let r = sample();
    r.save(&path).unwrap();
    assert!(!d.join("findings.json.tmp").exists(), "the temporary file is renamed away");
    let first = std::fs::read(&path).unwrap();
    let text = String::from_utf8(first.clone()).unwrap();
    assert!(text.starts_with("{\n  \"version\": 1,\n  \"items\": ["), "{text}");
    assert!(text.ends_with("}\n"));
    assert!(text.contains("2026-12-02T03:00:00.250Z"), "times in RFC 3339 UTC");
    assert!(text.contains("配电箱未上锁"), "Chinese kept as UTF-8, not escaped");

    let loaded = Register::load(&path).unwrap();
    assert_eq!(loaded, r);
    loaded.save(&path).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), first, "loading then saving gives identical bytes");

    // Ids continue after the loaded ones.
    let mut loaded = loaded;
    assert_eq!(loaded.raise(patrol("T5", "x", Severity::Minor), "w", t(5, 0, 0, 0)).unwrap(), 4);
    // Saving over an existing file replaces it.
    loaded.save(&path).unwrap();
    assert_eq!(Register::load(&path).unwrap().len(), 4);
}

#[test]
fn a_missing_file_is_an_empty_register() {
    let d = dir("missing");
    let mut r = Register::load(&d.join("none.json")).unwrap();
    assert!(r.is_empty());
    assert_eq!(r.raise(patrol("T1", "x", Severity::Minor), "w", t(2, 0, 0, 0)).unwrap(), 1);
    // A folder that is not there is an error when saving, naming the file.
    let e = r.save(&d.join("no-such-dir/f.json")).unwrap_err();
    assert!(matches!(e, FindingsError::Io { .. }));
    assert!(e.to_string().contains("no-such-dir"), "{e}");
}

#[test]
fn a_malformed_file_is_an_error_naming_the_file_line_and_column() {
    let d = dir("malformed");
    let path = d.join("bad.json");
    std::fs::write(&path, "{\n  \"version\": 1,\n  \"items\": [,]\n}\n").unwrap();
    let e = Register::load(&path).unwrap_err();
    match &e {
        FindingsError::Malformed { path: p, line, column, .. } => {
            assert_eq!((p, *line, *column), (&path, 3, 13));
        }
        other => panic!("{other:?}"),
    }
    let msg = e.to_string();
    assert!(msg.starts_with(&format!("{}:3:13: not a findings register: ", path.display())), "{msg}");
    assert!(!msg.contains("at line"), "the position is said once: {msg}");

    // Valid JSON that is not a register: a missing field, an unknown one, a wrong type.
    for (json, line) in [
        ("{\"items\": []}", 1),
        ("{\"version\": 1,\n\"items\": [],\n\"extra\": 0}", 3),
        ("{\"version\": 1, \"items\": [\n{\"id\": \"one\"}]}", 2),
        ("", 1),
    ] {
        std::fs::write(&path, json).unwrap();
        match Register::load(&path) {
            Err(FindingsError::Malformed { line: l, .. }) => assert_eq!(l, line, "{json}"),
            other => panic!("{json}: {other:?}"),
        }
    }
    // Two items with one id.
    let mut file = sample().json().unwrap();
    file = file.replace("\"id\": 2,", "\"id\": 1,");
    std::fs::write(&path, file).unwrap();
    let e = Register::load(&path).unwrap_err();
    assert!(matches!(e, FindingsError::Invalid { .. }), "{e:?}");
    assert!(e.to_string().ends_with("two items have the id 1"), "{e}");
}

#[test]
fn a_future_version_is_refused_by_its_version() {
    let d = dir("version");
    let path = d.join("f.json");
    // A newer file whose items this version could not read either: the version is what is said.
    std::fs::write(&path, "{\"version\": 2, \"items\": [{\"new\": true}], \"more\": {}}").unwrap();
    let e = Register::load(&path).unwrap_err();
    assert!(matches!(e, FindingsError::Version { found: 2, supported: 1, .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!("{}: findings register version 2; this sitetwin reads version 1", path.display())
    );
    std::fs::write(&path, "{\"version\": 0, \"items\": []}").unwrap();
    assert!(matches!(Register::load(&path), Err(FindingsError::Version { found: 0, .. })));
    std::fs::write(&path, "{\"version\": 1, \"items\": []}").unwrap();
    assert!(Register::load(&path).unwrap().is_empty());
}

#[test]
fn csv_has_the_header_and_one_row_per_item_with_chinese_quoted() {
    let mut r = sample();
    // A finding whose text needs quoting: a comma, quotes and a line break.
    let mut quoted = patrol("T2", "力矩限制器", Severity::Critical);
    quoted.zh = "塔吊\"力矩限制器\"失效, 须停机\n立即整改".into();
    let q = r.raise(quoted.clone(), "王工", t(2, 6, 0, 0)).unwrap();
    let now = t(7, 1, 0, 1);
    let mut out = Vec::new();
    r.to_csv(now, &mut out).unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(text.contains("\"塔吊\"\"力矩限制器\"\"失效, 须停机\n立即整改\""), "{text}");

    let mut rd = csv::Reader::from_reader(out.as_slice());
    assert_eq!(rd.headers().unwrap().iter().collect::<Vec<_>>(), CSV_HEADER);
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), r.len());
    let field = |row: &csv::StringRecord, name: &str| {
        row.get(CSV_HEADER.iter().position(|h| *h == name).unwrap()).unwrap().to_owned()
    };
    let ids: Vec<String> = rows.iter().map(|row| field(row, "id")).collect();
    assert_eq!(ids, ["1", "2", "3", "4"]);

    let verified = &rows[0];
    let expect = [
        ("object", "T1"),
        ("x_m", "12.5"),
        ("y_m", "0"),
        ("z_m", "-3.25"),
        ("severity", "major"),
        ("state", "verified"),
        ("owner", "李班长"),
        ("deadline", "2026-12-04T18:00:00Z"),
        ("overdue_days", ""),
        ("escalation", "none"),
        ("table", "TowerCrane"),
        ("item", "起重量限制器"),
        ("finding_zh", "起重量限制器失效"),
        ("finding_en", "load limiter not working"),
        ("source", "patrol daily@2026-12-02T01:00Z"),
        ("found_at", "2026-12-02T01:00:00Z"),
        ("raised_at", "2026-12-02T01:05:00Z"),
        ("rectified_at", "2026-12-03T09:00:00Z"),
        ("verified_at", "2026-12-03T15:00:00Z"),
        ("evidence", "更换限制器, 试吊\"合格\""),
        ("photo", "照片/t1 限制器.jpg"),
    ];
    for (name, value) in expect {
        assert_eq!(field(verified, name), value, "{name}");
    }
    let rectified = &rows[1];
    assert_eq!(field(rectified, "source"), "alarm T1-wind (crane.wind.alarm)");
    assert_eq!(field(rectified, "found_at"), "2026-12-02T03:00:00.250Z");
    assert_eq!(field(rectified, "z_m"), "0.001");
    assert_eq!(field(rectified, "verified_at"), "");
    assert_eq!(field(rectified, "overdue_days"), "", "rectified: not overdue past its deadline");
    // The duty item (minor, deadline 9 Dec 20:00) is within its deadline at `now`.
    assert_eq!((field(&rows[2], "escalation").as_str(), field(&rows[2], "source").as_str()), ("none", "duty"));
    assert_eq!(field(&rows[2], "owner"), "");
    assert_eq!(field(&rows[2], "x_m"), "");
    // The critical finding: found 2 Dec 01:00, deadline 3 Dec 01:00, 4 days and 1 s past at `now`.
    let row = &rows[3];
    assert_eq!(field(row, "id"), q.to_string());
    assert_eq!(field(row, "finding_zh"), quoted.zh);
    assert_eq!(field(row, "overdue_days"), "4");
    assert_eq!(field(row, "escalation"), "level 1");
    assert_eq!(field(row, "state"), "open");
    assert_eq!(field(row, "evidence"), "");
    assert_eq!(field(row, "rectified_at"), "");

    // An empty register is the header alone.
    let mut out = Vec::new();
    Register::default().to_csv(now, &mut out).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), format!("{}\n", CSV_HEADER.join(",")));
}

#[test]
fn filters_and_their_combinations() {
    let mut r = Register::default();
    let at = t(2, 1, 0, 0);
    // 1: T1 crane, major, open, owner 李, deadline 5 Dec 01:00.
    let one = r.raise(patrol("T1", "a", Severity::Major), "w", at).unwrap();
    r.assign(one, "李", None, "w", at).unwrap();
    // 2: T1 crane, critical, open, deadline 3 Dec 01:00.
    let two = r.raise(patrol("T1", "b", Severity::Critical), "w", at).unwrap();
    // 3: pit, minor, rectified, owner 李.
    let mut pit = patrol("pit-1", "c", Severity::Minor);
    pit.table = Some(SubTable::FoundationPit);
    let three = r.raise(pit, "w", at).unwrap();
    r.assign(three, "李", None, "w", at).unwrap();
    r.rectify(three, "done", None, "李", at).unwrap();
    // 4: T2 crane, minor, verified.
    let four = r.raise(patrol("T2", "d", Severity::Minor), "w", at).unwrap();
    r.rectify(four, "done", None, "张", at).unwrap();
    r.verify(four, "w", at).unwrap();

    let now = t(4, 1, 0, 0); // item 2 is 1 day overdue, item 1 within its deadline.
    let ids = |f: Filter| r.list(&f, now).iter().map(|i| i.id).collect::<Vec<_>>();
    assert_eq!(ids(Filter::default()), [two, one, three, four], "overdue, then by severity");
    assert_eq!(ids(Filter { state: Some(State::Open), ..Filter::default() }), [two, one]);
    assert_eq!(ids(Filter { state: Some(State::Reopened), ..Filter::default() }), Vec::<u64>::new());
    assert_eq!(ids(Filter { object: Some("T1".into()), ..Filter::default() }), [two, one]);
    assert_eq!(ids(Filter { object: Some("T".into()), ..Filter::default() }), Vec::<u64>::new(), "exact ids");
    assert_eq!(ids(Filter { severity_at_least: Some(Severity::Major), ..Filter::default() }), [two, one]);
    assert_eq!(ids(Filter { severity_at_least: Some(Severity::Minor), ..Filter::default() }).len(), 4);
    assert_eq!(ids(Filter { severity_at_least: Some(Severity::Critical), ..Filter::default() }), [two]);
    assert_eq!(ids(Filter { overdue: true, ..Filter::default() }), [two]);
    assert_eq!(ids(Filter { owner: Some("李".into()), ..Filter::default() }), [one, three]);
    assert_eq!(ids(Filter { table: Some(SubTable::FoundationPit), ..Filter::default() }), [three]);
    assert_eq!(ids(Filter { table: Some(SubTable::TowerCrane), ..Filter::default() }), [two, one, four]);
    // Combinations: every set field must match.
    let f = Filter {
        table: Some(SubTable::TowerCrane),
        state: Some(State::Open),
        owner: Some("李".into()),
        ..Filter::default()
    };
    assert_eq!(ids(f), [one]);
    let f = Filter {
        object: Some("T1".into()),
        overdue: true,
        severity_at_least: Some(Severity::Major),
        ..Filter::default()
    };
    assert_eq!(ids(f), [two]);
    assert_eq!(ids(Filter { owner: Some("李".into()), overdue: true, ..Filter::default() }), Vec::<u64>::new());

    // Later, item 1 is overdue too and item 2 escalated: escalation before severity.
    let later = t(9, 1, 0, 0); // item 2: 6 days past (level 1); item 1: 4 days past (level 1).
    let order: Vec<u64> = r.list(&Filter::default(), later).iter().map(|i| i.id).collect();
    assert_eq!(order, [two, one, three, four]);
    let later = t(9, 1, 0, 1); // item 2: level 2, item 1: level 1.
    assert_eq!(r.escalation(r.get(two).unwrap(), later), Escalation::Escalated { level: 2 });
    // A minor item escalated further than a critical one comes first.
    let mut r2 = Register::default();
    let mut old_minor = patrol("T3", "m", Severity::Minor);
    old_minor.found_at = t(1, 0, 0, 0) - days(20);
    let minor = r2.raise(old_minor, "w", at).unwrap();
    let critical = r2.raise(patrol("T3", "c", Severity::Critical), "w", at).unwrap();
    let order: Vec<u64> = r2.list(&Filter::default(), t(4, 1, 0, 1)).iter().map(|i| i.id).collect();
    assert_eq!(order, [minor, critical]);
    // Same escalation and severity: the earlier deadline first, then the id.
    let mut r3 = Register::default();
    let mut late = patrol("T4", "a", Severity::Major);
    late.found_at = t(2, 5, 0, 0);
    let a = r3.raise(late, "w", at).unwrap();
    let b = r3.raise(patrol("T4", "b", Severity::Major), "w", at).unwrap();
    let c = r3.raise(patrol("T4", "c", Severity::Major), "w", at).unwrap();
    let order: Vec<u64> = r3.list(&Filter::default(), at).iter().map(|i| i.id).collect();
    assert_eq!(order, [b, c, a]);
}

#[test]
fn names_in_both_languages() {
    assert_eq!(Severity::Critical.zh(), "重大隐患");
    assert_eq!(Severity::Minor.zh(), "一般隐患");
    assert_eq!(Severity::Major.en(), "major hazard");
    assert!(Severity::Minor < Severity::Major && Severity::Major < Severity::Critical);
    for s in [State::Open, State::Rectified, State::Verified, State::Reopened] {
        assert!(!s.zh().is_empty() && s.to_string() == s.name());
    }
    assert_eq!(Action::Reopened.zh(), "退回整改");
    assert_eq!(Source::Alarm { sensor: "s".into(), rule: None }.describe(), "alarm s");
}

#[test]
fn rules_read_from_configuration_with_defaults() {
    let rules: FindingRules = serde_json::from_str("{\"deadlines\": {\"critical_days\": 2}}").unwrap();
    assert_eq!(rules.deadlines, DeadlineRules { critical_days: 2, major_days: 3, minor_days: 7 });
    assert_eq!(rules.escalation, EscalationRules::default());
    assert!(serde_json::from_str::<FindingRules>("{\"deadline\": {}}").is_err(), "a misspelt field is an error");
    let r = Register::default().with_rules(rules.clone());
    assert_eq!(r.rules(), &rules);
}

/// An alarm of the demo's crane 1 load cell, raised on 2 December 01:00 at `level`.
fn crane_alarm(level: crate::rules::Level, peak: crate::rules::Level) -> crate::rules::alarm::Alarm {
    use crate::rules::alarm::{Alarm, AlarmSource, AlarmStatus, AuditAction, AuditEntry};
    Alarm {
        id: 7,
        sensor: "TC1-LOAD".into(),
        rule: "crane.load.alarm".into(),
        level,
        peak,
        raised_at: t(2, 1, 0, 0),
        status: AlarmStatus::Raised,
        assignee: None,
        condition_active: true,
        escalations: 0,
        source: AlarmSource::Level,
        audit: vec![AuditEntry {
            at: t(2, 1, 0, 0),
            who: "system".into(),
            action: AuditAction::Raised { level },
            note: Some("load 105.0 % ≥ 100".into()),
        }],
    }
}

#[test]
fn an_alarm_becomes_a_finding_on_its_sensors_object_as_severe_as_its_peak() {
    use crate::rules::Level;
    let scene = crate::testutil::demo_scene();
    let f = from_alarm(&scene, &crane_alarm(Level::Alarm, Level::Alarm)).unwrap();
    assert_eq!(f.object, "TC1", "the crane the load cell is mounted on");
    assert_eq!(f.at_m, Some([12.5, 44.0, -10.0]), "at the sensor");
    assert_eq!(f.source, Source::Alarm { sensor: "TC1-LOAD".into(), rule: Some("crane.load.alarm".into()) });
    assert_eq!((f.table, f.item.as_deref()), (Some(SubTable::TowerCrane), Some("载荷限制装置")));
    assert_eq!(f.found_at, t(2, 1, 0, 0));
    assert_eq!(f.zh, "TC1-LOAD 报警：塔吊起重量报警");
    assert_eq!(f.en, "TC1-LOAD Alarm: Crane load alarm (load 105.0 % ≥ 100)");
    // The worst level it reached sets the severity, whatever it is now.
    let severity = |level, peak| from_alarm(&scene, &crane_alarm(level, peak)).map(|f| f.severity);
    assert_eq!(severity(Level::Warning, Level::Warning), Some(Severity::Minor));
    assert_eq!(severity(Level::Warning, Level::Alarm), Some(Severity::Major));
    assert_eq!(severity(Level::Alarm, Level::Control), Some(Severity::Critical));
    assert_eq!(severity(Level::Normal, Level::Normal), None);
    // A sensor the scene does not have makes none.
    let mut stray = crane_alarm(Level::Alarm, Level::Alarm);
    stray.sensor = "NO-SUCH".into();
    assert!(from_alarm(&scene, &stray).is_none());
    // Raised twice, it is one item with a repeat.
    let mut reg = Register::default();
    let id = reg.raise(f.clone(), "王工", t(2, 1, 5, 0)).unwrap();
    assert_eq!(reg.raise(f, "王工", t(2, 1, 6, 0)).unwrap(), id);
    assert_eq!(reg.len(), 1);
    // Outstanding: a major hazard's 3 days run out at its deadline exactly, overdue just after.
    assert_eq!(reg.outstanding(t(5, 1, 0, 0)), (1, 0));
    assert_eq!(reg.outstanding(t(5, 1, 0, 1)), (1, 1));
    reg.rectify(id, "更换限位器", None, "李师傅", t(5, 2, 0, 0)).unwrap();
    assert_eq!(reg.outstanding(t(9, 0, 0, 0)), (0, 0), "rectified: no longer awaiting");
}

#[test]
fn from_items_checks_what_load_checks_and_ids_continue_after_the_largest() {
    let items = sample().items().to_vec();
    let rules =
        FindingRules { escalation: EscalationRules { escalate_after_days: 1, max_level: 2 }, ..Default::default() };
    let mut r = Register::from_items(items.clone(), rules.clone()).unwrap();
    assert_eq!((r.items(), r.rules()), (&items[..], &rules));
    assert_eq!(r.raise(patrol("T9", "x", Severity::Minor), "w", t(5, 0, 0, 0)).unwrap(), 4);
    // Ids with a gap, out of order: the next is after the largest, and the order given is kept.
    let mut gap = items.clone();
    gap[0].id = 9;
    let mut r = Register::from_items(gap, FindingRules::default()).unwrap();
    assert_eq!(r.items().iter().map(|i| i.id).collect::<Vec<_>>(), [9, 2, 3]);
    assert_eq!(r.raise(patrol("T9", "x", Severity::Minor), "w", t(5, 0, 0, 0)).unwrap(), 10);
    assert_eq!(Register::from_items(Vec::new(), FindingRules::default()).unwrap(), Register::default());

    let refused = |items: Vec<Item>| Register::from_items(items, FindingRules::default()).unwrap_err();
    let mut twice = items.clone();
    twice[1].id = 1;
    assert_eq!(refused(twice), "two items have the id 1");
    let mut zero = items.clone();
    zero[2].id = 0;
    assert_eq!(refused(zero), "an item has the id 0; ids start at 1");
    let mut bare = items.clone();
    bare[1].history.clear();
    assert_eq!(refused(bare), "item 2 has no history; its first change is its raise");
    let mut last = items.clone();
    last[2].id = u64::MAX;
    assert_eq!(refused(last), format!("item id {} leaves no id for a new item", u64::MAX));
    // A file says the same, with its path.
    let d = dir("from-items");
    let path = d.join("f.json");
    let mut file = sample().json().unwrap();
    file = file.replace("\"id\": 3,", "\"id\": 0,");
    std::fs::write(&path, file).unwrap();
    let e = Register::load(&path).unwrap_err();
    assert!(matches!(&e, FindingsError::Invalid { path: p, .. } if p == &path), "{e:?}");
    assert!(e.to_string().ends_with("an item has the id 0; ids start at 1"), "{e}");
}

#[test]
fn upsert_replaces_by_id_or_inserts_in_id_order_and_refuses_what_no_register_holds() {
    let items = sample().items().to_vec();
    let mut r = Register::default();
    r.upsert(items[2].clone()).unwrap();
    r.upsert(items[0].clone()).unwrap();
    assert_eq!(r.items().iter().map(|i| i.id).collect::<Vec<_>>(), [1, 3], "inserted in id order");
    r.upsert(items[1].clone()).unwrap();
    assert_eq!(r.items(), &items[..]);
    // The same id again replaces it in its place.
    let mut changed = items[1].clone();
    changed.owner = Some("张".into());
    r.upsert(changed.clone()).unwrap();
    assert_eq!((r.len(), r.get(2)), (3, Some(&changed)));
    assert_eq!(r.items()[1], changed);
    // A new raise takes an id above every item's, even one put in out of turn.
    let mut far = items[0].clone();
    far.id = 40;
    r.upsert(far).unwrap();
    assert_eq!(r.raise(patrol("T9", "x", Severity::Minor), "w", t(5, 0, 0, 0)).unwrap(), 41);
    // An item put in below the next id does not move it back.
    let mut low = items[0].clone();
    low.id = 7;
    r.upsert(low).unwrap();
    assert_eq!(r.items().iter().map(|i| i.id).collect::<Vec<_>>(), [1, 2, 3, 7, 40, 41]);
    assert_eq!(r.raise(patrol("T8", "x", Severity::Minor), "w", t(5, 0, 0, 0)).unwrap(), 42);

    let before = r.clone();
    let mut zero = items[0].clone();
    zero.id = 0;
    assert_eq!(r.upsert(zero).unwrap_err(), "an item has the id 0; ids start at 1");
    let mut bare = items[0].clone();
    bare.history.clear();
    assert_eq!(r.upsert(bare).unwrap_err(), "item 1 has no history; its first change is its raise");
    let mut last = items[0].clone();
    last.id = u64::MAX;
    assert!(r.upsert(last).unwrap_err().contains("leaves no id for a new item"));
    assert_eq!(r, before, "a refused item changes nothing");
}

#[test]
fn steps_as_data_do_what_the_methods_do() {
    let at = t(2, 2, 0, 0);
    let mut r = Register::default();
    let raise = Step::Raise { finding: patrol("T1", "起重量限制器", Severity::Major) };
    assert_eq!((raise.id(), raise.name()), (None, "raise"));
    assert_eq!(r.apply(&raise, "王工", at).unwrap(), 1);
    // A repeat is the same item, with the repeat in its history.
    assert_eq!(r.apply(&raise, "王工", at).unwrap(), 1);
    assert_eq!(actions(r.get(1).unwrap()), [Action::Raised, Action::Repeated]);
    let assign = Step::Assign { id: 1, owner: "李班长".into(), deadline: Some(t(4, 18, 0, 0)) };
    assert_eq!((assign.id(), assign.name()), (Some(1), "assign"));
    assert_eq!(r.apply(&assign, "王工", at).unwrap(), 1);
    assert_eq!(
        (r.get(1).unwrap().owner.as_deref(), r.get(1).unwrap().deadline),
        (Some("李班长"), Some(t(4, 18, 0, 0)))
    );
    let rectify = Step::Rectify { id: 1, note: "更换限制器".into(), photo: Some("p.jpg".into()) };
    assert_eq!(r.apply(&rectify, "李班长", at).unwrap(), 1);
    assert_eq!(r.get(1).unwrap().evidence().unwrap().photo.as_deref(), Some("p.jpg"));
    assert_eq!(r.apply(&Step::Reopen { id: 1, note: "未试吊".into() }, "王工", at).unwrap(), 1);
    assert_eq!(r.get(1).unwrap().state, State::Reopened);
    r.apply(&Step::Rectify { id: 1, note: "试吊合格".into(), photo: None }, "李班长", at).unwrap();
    assert_eq!(r.apply(&Step::Verify { id: 1 }, "王工", at).unwrap(), 1);
    assert_eq!(r.get(1).unwrap().state, State::Verified);

    // The methods' refusals, unchanged.
    let before = r.clone();
    let e = r.apply(&Step::Verify { id: 1 }, "王工", at).unwrap_err();
    assert!(matches!(e, FindingsError::Transition { id: 1, from: State::Verified, action: Action::Verified }), "{e:?}");
    assert!(matches!(r.apply(&Step::Verify { id: 9 }, "w", at), Err(FindingsError::NoSuchItem(9))));
    let e = r.apply(&Step::Reopen { id: 1, note: " ".into() }, "w", at).unwrap_err();
    assert!(matches!(e, FindingsError::Blank { field: "reason for reopening", .. }), "{e:?}");
    let e = r.apply(&Step::Reopen { id: 1, note: "n".into() }, "w", t(1, 0, 0, 0)).unwrap_err();
    assert!(matches!(e, FindingsError::TimeBackwards { id: 1, .. }), "{e:?}");
    let blank = Step::Raise { finding: patrol(" ", "x", Severity::Minor) };
    assert!(matches!(r.apply(&blank, "w", at), Err(FindingsError::Blank { id: None, field: "object" })));
    assert_eq!(r, before);
    r.apply(&Step::Reopen { id: 1, note: "复查发现再次失效".into() }, "王工", at).unwrap();
    let e = r.apply(&Step::Assign { id: 1, owner: "o".into(), deadline: Some(at) }, "w", at).unwrap_err();
    assert!(matches!(e, FindingsError::DeadlineNotAfter { id: 1, .. }), "{e:?}");
}

#[test]
fn steps_read_and_write_as_json_tagged_by_action() {
    let assign = Step::Assign { id: 3, owner: "李班长".into(), deadline: Some(t(4, 18, 0, 0)) };
    let json = serde_json::to_value(&assign).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"action": "assign", "id": 3, "owner": "李班长", "deadline": "2026-12-04T18:00:00Z"})
    );
    assert_eq!(serde_json::from_value::<Step>(json).unwrap(), assign);
    // Optional fields may be left out.
    let step: Step = serde_json::from_str(r#"{"action": "rectify", "id": 2, "note": "done"}"#).unwrap();
    assert_eq!(step, Step::Rectify { id: 2, note: "done".into(), photo: None });
    let step: Step = serde_json::from_str(r#"{"action": "assign", "id": 2, "owner": "o"}"#).unwrap();
    assert_eq!(step, Step::Assign { id: 2, owner: "o".into(), deadline: None });
    let raise = Step::Raise { finding: patrol("T1", "x", Severity::Critical) };
    assert_eq!(serde_json::from_str::<Step>(&serde_json::to_string(&raise).unwrap()).unwrap(), raise);
    // Refused: an unknown action, a missing field, a field of another action, no action.
    for bad in [
        r#"{"action": "close", "id": 1}"#,
        r#"{"action": "reopen", "id": 1}"#,
        r#"{"action": "verify", "id": 1, "note": "n"}"#,
        r#"{"id": 1}"#,
        r#"{"action": "verify", "id": -1}"#,
    ] {
        assert!(serde_json::from_str::<Step>(bad).is_err(), "{bad}");
    }
    // Escalation reads back what it writes.
    for e in [Escalation::None, Escalation::Overdue { days: 2 }, Escalation::Escalated { level: 3 }] {
        assert_eq!(serde_json::from_value::<Escalation>(serde_json::to_value(e).unwrap()).unwrap(), e);
    }
}
