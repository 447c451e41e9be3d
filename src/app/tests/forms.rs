//! The declare and edit forms: what they send, what they refuse, and what they keep
//! when a write fails.

use super::*;

#[test]
fn declaring_from_scratch_fills_the_form_and_waits_for_the_store() {
    let mut s = state();
    update(&mut s, ch('d'));
    // An empty title is refused by the domain and shown in the form.
    assert!(update(&mut s, key(Key::Enter)).is_empty());
    let Layer::Form(form) = &s.layer else {
        panic!("the form stays open");
    };
    assert!(form.error.is_some());
    typed(&mut s, "Chat is down");
    update(&mut s, key(Key::Tab));
    update(&mut s, key(Key::Right));
    update(&mut s, key(Key::Tab));
    typed(&mut s, "eu-west, us-east");
    let Write::Declare(new) = only_write(update(&mut s, key(Key::Enter))) else {
        panic!("expected a declare");
    };
    assert_eq!(new.title, "Chat is down");
    assert_eq!(new.severity, Severity::P2);
    assert_eq!(new.regions, vec!["eu-west", "us-east"]);
    assert_eq!(new.commander, "alice");
    // A second Enter while the first is being written declares nothing twice.
    assert!(update(&mut s, key(Key::Enter)).is_empty());
    let change = crate::domain::Change {
        incident: new.clone().into_incident(IncidentId(3)),
        entries: Vec::new(),
    };
    let request = form_request(&s);
    let effects = update(&mut s, Msg::Saved(request, Saved::Declared(change)));
    assert_eq!(s.view, View::Incident(IncidentId(3)));
    assert!(matches!(s.layer, Layer::None));
    assert!(effects.contains(&Effect::LoadRecord(IncidentId(3))));
}

#[test]
fn a_failed_declare_keeps_the_form_filled() {
    let mut s = state();
    update(&mut s, ch('d'));
    typed(&mut s, "Gifting errors");
    update(&mut s, key(Key::Enter));
    let request = form_request(&s);
    update(
        &mut s,
        Msg::StoreFailed {
            request: Some(request),
            error: "disk full".into(),
        },
    );
    let Layer::Form(form) = &s.layer else {
        panic!("the form stays open");
    };
    assert!(form.pending.is_none());
    assert_eq!(form.value(FieldId::Title), "Gifting errors");
}

#[test]
fn editing_the_template_writes_only_what_changed_and_closes_once_saved() {
    let mut s = in_incident();
    typed(&mut s, "/edit");
    update(&mut s, key(Key::Enter));
    assert!(matches!(s.layer, Layer::Form(_)));
    // Unchanged: refused with a reason, form stays.
    assert!(update(&mut s, key(Key::Enter)).is_empty());
    update(&mut s, key(Key::Tab)); // regions
    typed(&mut s, "eu-west, ap-south");
    update(&mut s, key(Key::Tab)); // cohorts
    typed(&mut s, "android");
    let Write::Edit { id, edit, .. } = only_write(update(&mut s, key(Key::Enter))) else {
        panic!("expected an edit");
    };
    assert_eq!(id, IncidentId(1));
    assert_eq!(edit.add_regions, vec!["eu-west", "ap-south"]);
    assert_eq!(edit.add_cohorts, vec!["android"]);
    assert_eq!(edit.title, None);
    assert_eq!(edit.trigger_time, None);
    let change = crate::domain::Change {
        incident: incident(1, Severity::P1),
        entries: Vec::new(),
    };
    let request = form_request(&s);
    update(&mut s, Msg::Saved(request, Saved::Changed(change)));
    assert!(matches!(s.layer, Layer::None));
}

#[test]
fn a_bad_trigger_time_in_the_edit_form_is_shown_not_sent() {
    let mut s = in_incident();
    typed(&mut s, "/edit");
    update(&mut s, key(Key::Enter));
    for _ in 0..3 {
        update(&mut s, key(Key::Tab));
    }
    for _ in 0..40 {
        update(&mut s, key(Key::Backspace));
    }
    typed(&mut s, "yesterday");
    assert!(update(&mut s, key(Key::Enter)).is_empty());
    let Layer::Form(form) = &s.layer else {
        panic!("the form stays open");
    };
    assert!(form
        .error
        .as_deref()
        .is_some_and(|e| e.contains("'yesterday'")));
}

/// The review's fields are in the edit form; the trigger time is shown and typed in
/// the display zone, relative times included, and an untouched one is not "changed"
/// by the minutes the field shows.
#[test]
fn the_edit_form_feeds_the_review_and_reads_relative_times() {
    let mut s = in_incident();
    typed(&mut s, "/edit");
    update(&mut s, key(Key::Enter));
    for _ in 0..5 {
        update(&mut s, key(Key::Tab)); // public title
    }
    typed(&mut s, "Video start failures");
    update(&mut s, key(Key::Tab)); // public impact
    update(&mut s, key(Key::Tab)); // root cause
    typed(&mut s, "release");
    update(&mut s, key(Key::Tab));
    typed(&mut s, "yes");
    update(&mut s, key(Key::Tab));
    typed(&mut s, "no");
    let Write::Edit { edit, .. } = only_write(update(&mut s, key(Key::Enter))) else {
        panic!("expected an edit");
    };
    assert_eq!(edit.root_cause, Some(crate::domain::RootCause::Release));
    assert_eq!(
        (edit.release_related, edit.rollback_performed),
        (Some(true), Some(false))
    );
    assert_eq!(edit.trigger_time, None, "untouched: no change");
    assert_eq!(edit.public_title.as_deref(), Some("Video start failures"));
    assert_eq!(edit.public_impact, None, "blank: unchanged");

    let mut s = in_incident();
    typed(&mut s, "/edit");
    update(&mut s, key(Key::Enter));
    for _ in 0..3 {
        update(&mut s, key(Key::Tab)); // trigger time
    }
    for _ in 0..40 {
        update(&mut s, key(Key::Backspace));
    }
    typed(&mut s, "2m ago");
    let Write::Edit { edit, .. } = only_write(update(&mut s, key(Key::Enter))) else {
        panic!("expected an edit");
    };
    assert_eq!(edit.trigger_time, Some(t(3)));

    let mut s = in_incident();
    typed(&mut s, "/edit");
    update(&mut s, key(Key::Enter));
    for _ in 0..7 {
        update(&mut s, key(Key::Tab)); // root cause
    }
    typed(&mut s, "gremlins");
    assert!(update(&mut s, key(Key::Enter)).is_empty());
    let Layer::Form(form) = &s.layer else {
        panic!("the form stays open");
    };
    assert!(
        form.error
            .as_deref()
            .is_some_and(|e| e.contains("gremlins")),
        "{:?}",
        form.error
    );
}

#[test]
fn the_declare_form_takes_a_relative_trigger_time() {
    let mut s = state();
    update(&mut s, ch('d'));
    typed(&mut s, "Gifting errors");
    for _ in 0..6 {
        update(&mut s, key(Key::Tab)); // trigger time
    }
    typed(&mut s, "-3m");
    let Write::Declare(new) = only_write(update(&mut s, key(Key::Enter))) else {
        panic!("expected a declare");
    };
    assert_eq!(new.trigger_time, t(2));
}
