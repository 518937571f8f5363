//! A seat's local side for the tests and the benchmark: a real SQLite database linked to the
//! seat's team (its existing rows queued for upload).

use spo_store::{Db, NewStore, TeamLink};
use spo_sync::testkit::Seat;

/// Opens `dir/spo.sqlite3`, adds a store when `store_name` is given, and links it to `seat`'s team.
pub async fn local_seat(
    seat: &Seat,
    dir: &std::path::Path,
    store_name: Option<&str>,
) -> (Db, TeamLink, Option<String>) {
    let db = Db::open(dir.join("spo.sqlite3")).await.expect("open");
    let store = match store_name {
        Some(name) => {
            let s = NewStore { salla_store_id: Some(7), name: name.into(), domain: None, is_demo: false };
            Some(db.insert_store(&s).await.expect("store"))
        }
        None => None,
    };
    let me = seat.remote.whoami().await.expect("whoami").expect("a seat");
    let link = TeamLink {
        client_id: uuid::Uuid::now_v7().to_string(),
        team_id: me.team_id,
        team_name: me.team_name,
        host: seat.login.host.clone(),
        port: i64::from(seat.login.port),
        database: seat.login.database.clone(),
        db_role: me.db_role,
        seat_role: me.role,
        seat_name: me.seat_name,
        ca_file: None,
    };
    db.link_team(&link, true).await.expect("link");
    (db, link, store)
}
