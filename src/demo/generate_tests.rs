//! Demo generation: the same data for the same seed, later days independent of how they are
//! split, and sign-ups at the window end's rate.

use super::*;

fn spec() -> Spec {
    Spec {
        users: 10,
        days: 30,
        seed: 7,
        end: "2026-01-01T00:00:00Z".parse().unwrap(),
        advanced: 0,
    }
}

#[test]
fn same_seed_same_data() {
    let spec = spec();
    let a = user(&spec, 3, true);
    let b = user(&spec, 3, true);
    assert_eq!(a.user, b.user);
    assert_eq!(a.user, user(&spec, 3, false).user);
    assert_eq!(a.events, b.events);
    let other = user(&Spec { seed: 8, ..spec }, 3, true);
    assert_ne!(a.events, other.events);
}

#[test]
fn later_days_do_not_depend_on_how_they_are_split() {
    let spec = Spec {
        users: 200,
        ..spec()
    };
    for i in [0, 5, 150] {
        let whole = later_events(&spec, i, 0..6);
        let mut parts = later_events(&spec, i, 0..2);
        parts.extend(later_events(&spec, i, 2..3));
        parts.extend(later_events(&spec, i, 3..6));
        assert_eq!(whole, parts, "user {i}");
    }
}

#[test]
fn later_signups_come_at_the_rate_of_the_window_end() {
    let spec = Spec {
        users: 9_000,
        days: 90,
        ..spec()
    };
    assert_eq!(spec.users_after(0), 9_000);
    assert_eq!(spec.users_after(10), 9_000 + 1_600);
    // Every later user signs up on the day that numbered them, and installs that day.
    for k in 0..10 {
        let day = spec.later_day(k);
        for i in spec.users_after(k)..spec.users_after(k + 1) {
            assert_eq!(spec.signup_day(i), Some(k));
            let events = later_events(&spec, i, k..k + 1);
            assert_eq!(events[0][1], Cell::Text("app_install".into()));
            let Cell::Timestamp(at) = events[0][2] else {
                panic!("install time")
            };
            assert!(at >= day && at < day + Duration::days(1));
        }
    }
    // Window users never sign up after it.
    assert_eq!(spec.signup_day(8_999), None);
    assert!(
        later_events(&spec, 8_999, 0..3)
            .iter()
            .all(|e| e[1] != Cell::Text("app_install".into()))
    );
}

#[test]
fn the_window_ignores_later_days() {
    let spec = spec();
    let later = Spec {
        advanced: 4,
        ..spec
    };
    for i in 0..10 {
        assert_eq!(user(&spec, i, true).events, user(&later, i, true).events);
    }
}
