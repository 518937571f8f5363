//! Store leases against a real PostgreSQL: one holder at a time, takeover only after expiry with
//! the next fencing epoch, the fence check, viewers and other teams kept out.

use serde_json::json;
use spo_domain::sync::SeatRole;
use spo_sync::testkit::{fresh_database, join, new_team};
use spo_sync::Error;

use crate::{client, upsert};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_seat_holds_a_store_and_a_takeover_after_expiry_fences_the_old_holder() {
    let url = fresh_database().await;
    let owner = new_team(&url, "Team").await;
    let manager = join(&owner, SeatRole::Manager, "Daemon").await;
    let viewer = join(&owner, SeatRole::Viewer, "Finance").await;
    let other_team = new_team(&url, "Other").await;
    let (laptop, daemon) = (client(), client());
    owner.remote.push(&laptop, &[upsert(1, "stores", "s1", json!({"id": "s1", "name": "S"}))]).await.expect("store");

    let first = owner.remote.acquire_lease("s1", &laptop, 700).await.expect("acquire");
    assert!(first.held && first.epoch == 1, "{first:?}");
    let renewed = owner.remote.acquire_lease("s1", &laptop, 700).await.expect("renew");
    assert_eq!((renewed.held, renewed.epoch), (true, 1), "a renewal keeps the epoch");
    // Held: another seat, or the same seat from another data folder, waits.
    let busy = manager.remote.acquire_lease("s1", &daemon, 700).await.expect("ask");
    assert!(!busy.held && busy.epoch == 1 && busy.expires_in_ms > 0, "{busy:?}");
    assert_eq!(busy.holder_seat.as_deref(), Some("Owner"));
    assert!(!owner.remote.acquire_lease("s1", &client(), 700).await.expect("ask").held);
    // Viewers never run jobs; another team cannot even name the store.
    let err = viewer.remote.acquire_lease("s1", &client(), 700).await.expect_err("viewer");
    assert!(matches!(err, Error::Refused(_)), "{err:?}");
    let err = other_team.remote.acquire_lease("s1", &client(), 700).await.expect_err("not its store");
    assert!(matches!(err, Error::Invalid(ref m) if m.contains("not part of this team")), "{err:?}");
    assert!(other_team.remote.leases().await.expect("leases").is_empty());
    assert!(!other_team.remote.check_fence("s1", &laptop, 1).await.expect("fence").holds);

    // The holder stops renewing (paused, cut off): after expiry the manager takes over.
    assert!(owner.remote.check_fence("s1", &laptop, 1).await.expect("fence").holds);
    tokio::time::sleep(std::time::Duration::from_millis(900)).await;
    assert!(!owner.remote.check_fence("s1", &laptop, 1).await.expect("fence").holds, "expired");
    let taken = manager.remote.acquire_lease("s1", &daemon, 700).await.expect("take over");
    assert_eq!((taken.held, taken.epoch), (true, 2), "{taken:?}");
    assert!(!owner.remote.check_fence("s1", &laptop, 1).await.expect("fence").holds, "the old epoch is fenced");
    let back = owner.remote.acquire_lease("s1", &laptop, 700).await.expect("ask");
    assert!(!back.held, "{back:?}");
    assert!(manager.remote.check_fence("s1", &daemon, 2).await.expect("fence").holds);
    // The catalogue is written by the seat that runs the store now, not by the one that connected it.
    let product =
        |mid: i64, id: &str| upsert(mid, "products", id, json!({"id": id, "store_id": "s1", "price_minor": 100}));
    let by_holder = manager.remote.push(&daemon, &[product(1, "p1")]).await.expect("push");
    assert_eq!(by_holder[0].status, spo_domain::sync::AnswerStatus::Applied, "{by_holder:?}");
    let by_creator = owner.remote.push(&laptop, &[product(2, "p2"), product(3, "p3")]).await.expect("push");
    assert!(by_creator.iter().all(|a| a.status == spo_domain::sync::AnswerStatus::Rejected), "{by_creator:?}");
    assert!(!manager.remote.check_fence("s1", &daemon, 1).await.expect("fence").holds, "only the current epoch");

    // Handing over: a release lets the next seat in at once, with the next epoch.
    assert!(manager.remote.release_lease("s1", &daemon).await.expect("release"));
    assert!(!manager.remote.release_lease("s1", &daemon).await.expect("release twice"));
    let again = owner.remote.acquire_lease("s1", &laptop, 5_000).await.expect("after release");
    assert_eq!((again.held, again.epoch), (true, 3), "{again:?}");
    let listed = viewer.remote.leases().await.expect("leases");
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].holder_seat.as_deref(), listed[0].epoch, listed[0].live), (Some("Owner"), 3, true));
    assert!(owner.remote.acquire_lease("s1", &laptop, 10).await.is_err(), "a lease is at least 0.5 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fence_reads_the_teams_kill_switch_not_the_seats_copy() {
    let url = fresh_database().await;
    let owner = new_team(&url, "Team").await;
    let manager = join(&owner, SeatRole::Manager, "M").await;
    let c = client();
    owner.remote.push(&c, &[upsert(1, "stores", "s1", json!({"id": "s1", "name": "S"}))]).await.expect("store");
    let lease = owner.remote.acquire_lease("s1", &c, 5_000).await.expect("acquire");
    assert!(!owner.remote.check_fence("s1", &c, lease.epoch).await.expect("fence").kill_switch);
    let kill = |mid: i64, value: &str| {
        upsert(
            mid,
            "settings",
            "/pricing.kill_switch",
            json!({"key": "pricing.kill_switch", "value": value, "store_id": null}),
        )
    };
    let m = client();
    manager.remote.push(&m, &[kill(1, "on")]).await.expect("kill switch on");
    let fence = owner.remote.check_fence("s1", &c, lease.epoch).await.expect("fence");
    assert!(fence.holds && fence.kill_switch, "{fence:?}");
    let mut off = kill(2, "off");
    off.hlc = spo_domain::sync::Hlc(3 << 16).encode("m");
    manager.remote.push(&m, &[off]).await.expect("kill switch off");
    assert!(!owner.remote.check_fence("s1", &c, lease.epoch).await.expect("fence").kill_switch);
}
