//! Team sync against a real PostgreSQL: the isolation matrix (two teams × three roles × every api
//! function and raw SQL on every table), ordering of the change feed, compare-and-set, replay.

use serde_json::json;
use spo_domain::sync::{AnswerStatus, Hlc, Mutation, Op, SeatRole};
mod leases;
mod local;
mod tls;

use local::local_seat;
use spo_sync::testkit::{admin_pool, fresh_database, join, new_team, Seat};
use spo_sync::{Error, Remote, SeatLogin};

fn upsert(mid: i64, tbl: &str, id: &str, data: serde_json::Value) -> Mutation {
    Mutation {
        mid,
        tbl: tbl.into(),
        id: id.into(),
        op: Op::Upsert,
        data: Some(data),
        base_version: None,
        fields: None,
        hlc: Hlc(mid << 16).encode("dev"),
    }
}

fn client() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Two teams, each with an owner, a manager and a viewer; team A's owner has a store with a
/// product and a rule, team B's owner a store.
struct World {
    url: String,
    a: [Seat; 3],
    b: [Seat; 3],
}

async fn world() -> World {
    let url = fresh_database().await;
    let a_owner = new_team(&url, "Team A").await;
    let a_manager = join(&a_owner, SeatRole::Manager, "A manager").await;
    let a_viewer = join(&a_owner, SeatRole::Viewer, "A viewer").await;
    let b_owner = new_team(&url, "Team B").await;
    let b_manager = join(&b_owner, SeatRole::Manager, "B manager").await;
    let b_viewer = join(&b_owner, SeatRole::Viewer, "B viewer").await;
    let answers = a_owner
        .remote
        .push(
            &client(),
            &[
                upsert(1, "stores", "store-a", json!({"id": "store-a", "name": "A"})),
                upsert(2, "products", "prod-a", json!({"id": "prod-a", "store_id": "store-a", "price_minor": 1000})),
                upsert(
                    3,
                    "pricing_rules",
                    "rule-a",
                    json!({"id": "rule-a", "store_id": "store-a", "scope": "store", "version": 1, "min_price_minor": 500}),
                ),
            ],
        )
        .await
        .expect("test step");
    assert!(answers.iter().all(|a| a.status == AnswerStatus::Applied), "{answers:?}");
    let answers = b_owner
        .remote
        .push(&client(), &[upsert(1, "stores", "store-b", json!({"id": "store-b", "name": "B"}))])
        .await
        .expect("test step");
    assert_eq!(answers[0].status, AnswerStatus::Applied);
    a_owner.remote.acquire_lease("store-a", &client(), 60_000).await.expect("team A's store lease");
    install_rls_probe(&url).await;
    World { url, a: [a_owner, a_manager, a_viewer], b: [b_owner, b_manager, b_viewer] }
}

/// A test-only function that acts as the data schema's owner inside a seat's session (the way
/// every api function does), so row-level security alone decides what it can see and change:
/// it tries to read, update, delete and insert the other team's rows in every table, undoes
/// everything, and returns what worked. The api functions also filter by team; this checks the
/// policies underneath them.
async fn install_rls_probe(url: &str) {
    let admin = admin_pool(url).await;
    sqlx::query(
        r#"CREATE FUNCTION public.rls_probe(other uuid) RETURNS text[]
           LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $probe$
           DECLARE
               out text[] := '{}';
               t text;
               col text;
               n bigint;
           BEGIN
               BEGIN
                   FOREACH t IN ARRAY ARRAY['teams', 'seats', 'clients', 'rows', 'refusals', 'store_leases', 'grant_offers'] LOOP
                       col := CASE WHEN t = 'teams' THEN 'id' ELSE 'team_id' END;
                       EXECUTE format('SELECT count(*) FROM spo.%I WHERE %I = $1', t, col) INTO n USING other;
                       IF n > 0 THEN out := out || format('read %s of its rows in %s', n, t); END IF;
                       EXECUTE format('UPDATE spo.%I SET %I = %I WHERE %I = $1', t, col, col, col) USING other;
                       GET DIAGNOSTICS n = ROW_COUNT;
                       IF n > 0 THEN out := out || format('updated %s of its rows in %s', n, t); END IF;
                   END LOOP;
                   BEGIN
                       INSERT INTO spo.rows (team_id, tbl, id, data, hlc, seq, created_by, written_by)
                           VALUES (other, 'stores', 'probe', '{}', '', -1, session_user, session_user);
                       out := out || 'inserted into its rows'::text;
                   EXCEPTION WHEN others THEN NULL; END;
                   BEGIN
                       INSERT INTO spo.clients (team_id, client_id, db_role) VALUES (other, gen_random_uuid(), session_user);
                       out := out || 'inserted into its clients'::text;
                   EXCEPTION WHEN others THEN NULL; END;
                   BEGIN
                       INSERT INTO spo.refusals (team_id, client_id, mutation_id, answer) VALUES (other, gen_random_uuid(), 1, '{}');
                       out := out || 'inserted into its refusals'::text;
                   EXCEPTION WHEN others THEN NULL; END;
                   BEGIN
                       INSERT INTO spo.store_leases (team_id, store_id, holder, client_id, epoch, acquired_at, renewed_at, expires_at)
                           VALUES (other, 'probe', session_user, gen_random_uuid(), 1, now(), now(), now());
                       out := out || 'inserted into its store_leases'::text;
                   EXCEPTION WHEN others THEN NULL; END;
                   BEGIN
                       INSERT INTO spo.grant_offers (team_id, store_id, to_role, from_role, sealed)
                           VALUES (other, 'probe', session_user, session_user, decode(repeat('00', 64), 'hex'));
                       out := out || 'inserted into its grant_offers'::text;
                   EXCEPTION WHEN others THEN NULL; END;
                   BEGIN
                       INSERT INTO spo.seats (db_role, team_id, role, name) VALUES ('spo_s_probe', other, 'owner', 'probe');
                       out := out || 'inserted into its seats'::text;
                   EXCEPTION WHEN others THEN NULL; END;
                   FOREACH t IN ARRAY ARRAY['refusals', 'clients', 'rows', 'store_leases', 'grant_offers', 'seats'] LOOP
                       BEGIN
                           EXECUTE format('DELETE FROM spo.%I WHERE team_id = $1', t) USING other;
                           GET DIAGNOSTICS n = ROW_COUNT;
                           IF n > 0 THEN out := out || format('deleted %s of its rows in %s', n, t); END IF;
                       EXCEPTION WHEN others THEN NULL; END;
                   END LOOP;
                   RAISE EXCEPTION 'undo the probe';
               EXCEPTION WHEN raise_exception THEN NULL;
               END;
               RETURN out;
           END
           $probe$"#,
    )
    .execute(&admin)
    .await
    .expect("test step");
    for sql in [
        "ALTER FUNCTION public.rls_probe(uuid) OWNER TO spo_owner",
        "REVOKE ALL ON FUNCTION public.rls_probe(uuid) FROM PUBLIC",
        "GRANT EXECUTE ON FUNCTION public.rls_probe(uuid) TO spo_seat",
    ] {
        sqlx::query(sql).execute(&admin).await.expect("test step");
    }
    admin.close().await;
}

const TABLES: &[&str] = &["teams", "seats", "clients", "rows", "refusals", "store_leases", "grant_offers"];

/// Every way a seat could see or change another team's data; returns what got through.
async fn leaks(w: &World) -> Vec<String> {
    let mut out = Vec::new();
    for (mine, theirs, other_store) in [(&w.a, &w.b, "store-b"), (&w.b, &w.a, "store-a")] {
        for seat in mine.iter() {
            let who = format!("{} seat {}", seat.role.as_str(), seat.login.role);
            // api: reads
            let rows = seat.remote.pull(0, 1000).await.expect("test step");
            if rows.iter().any(|r| r.id == other_store || r.data.get("store_id") == Some(&json!(other_store))) {
                out.push(format!("{who}: pull returned the other team's rows"));
            }
            let members = seat.remote.members().await.expect("test step");
            if members.iter().any(|m| theirs.iter().any(|t| t.login.role == m.db_role)) {
                out.push(format!("{who}: members listed the other team's seats"));
            }
            if seat.remote.leases().await.expect("test step").iter().any(|l| l.store_id == other_store) {
                out.push(format!("{who}: leases listed the other team's store"));
            }
            if seat.remote.acquire_lease(other_store, &client(), 60_000).await.is_ok_and(|l| l.held) {
                out.push(format!("{who}: took the other team's store lease"));
            }
            for epoch in 1..3 {
                if seat.remote.check_fence(other_store, &client(), epoch).await.is_ok_and(|f| f.holds) {
                    out.push(format!("{who}: passed the other team's fence"));
                }
            }
            let me = seat.remote.whoami().await.expect("test step").expect("a seat");
            if me.team_id != seat.team {
                out.push(format!("{who}: whoami named another team"));
            }
            // api: writes into the other team's store and rows
            let evil = format!("evil-{}", uuid::Uuid::now_v7());
            let answers = seat
                .remote
                .push(
                    &client(),
                    &[upsert(
                        1,
                        "pricing_rules",
                        &evil,
                        json!({"id": evil, "store_id": other_store, "scope": "store", "version": 1}),
                    )],
                )
                .await
                .expect("test step");
            if answers[0].status != AnswerStatus::Rejected {
                out.push(format!("{who}: a rule for the other team's store was {:?}", answers[0].status));
            }
            let after = theirs[0].remote.pull(0, 1000).await.expect("test step");
            if after.iter().any(|r| r.id == evil) {
                out.push(format!("{who}: a push landed in the other team"));
            }
            for other in theirs.iter() {
                if seat.remote.revoke(&other.login.role).await.is_ok() {
                    out.push(format!("{who}: revoked another team's seat"));
                }
            }
            // raw SQL on every table
            for t in TABLES {
                for sql in [
                    format!("SELECT count(*) FROM spo.{t}"),
                    format!("DELETE FROM spo.{t}"),
                    format!("UPDATE spo.{t} SET team_id = team_id"),
                ] {
                    let sql = sql.replace("UPDATE spo.teams SET team_id = team_id", "UPDATE spo.teams SET name = name");
                    if sqlx::query(&sql).execute(seat.remote.pool()).await.is_ok() {
                        out.push(format!("{who}: raw SQL ran: {sql}"));
                    }
                }
            }
            for sql in [
                "SELECT spo.my_team()",
                "SELECT spo.create_team(gen_random_uuid(), 'x', 'spo_s_evil', 'x', 'x')",
                "INSERT INTO spo.rows (team_id, tbl, id, data, hlc, seq, created_by, written_by) VALUES (gen_random_uuid(), 't', 'i', '{}', '', 1, 'x', 'x')",
            ] {
                if sqlx::query(sql).execute(seat.remote.pool()).await.is_ok() {
                    out.push(format!("{who}: raw SQL ran: {sql}"));
                }
            }
            // row-level security underneath the api functions
            let probe: Vec<String> = sqlx::query_scalar("SELECT public.rls_probe($1::uuid)")
                .bind(&theirs[0].team)
                .fetch_one(seat.remote.pool())
                .await
                .expect("test step");
            for p in probe {
                out.push(format!("{who}: as the data owner in its session it {p} (the other team)"));
            }
            // a setting or a role switch does not change the team
            let mut conn = seat.remote.pool().acquire().await.expect("test step");
            let other_team = &theirs[0].team;
            sqlx::query(&format!("SELECT set_config('app.team_id', '{other_team}', false)"))
                .execute(&mut *conn)
                .await
                .expect("test step");
            let rows: Vec<(String,)> =
                sqlx::query_as("SELECT id FROM api.pull(0, 1000)").fetch_all(&mut *conn).await.expect("test step");
            if rows.iter().any(|(id,)| id == other_store) {
                out.push(format!("{who}: set_config changed the team"));
            }
            for sql in [
                format!("SET ROLE {}", theirs[0].login.role),
                format!("SET SESSION AUTHORIZATION {}", theirs[0].login.role),
                format!("SET ROLE {}", mine[0].login.role),
                "SET ROLE spo_owner".to_string(),
            ] {
                if sqlx::query(&sql).execute(&mut *conn).await.is_ok() && !sql.ends_with(&seat.login.role) {
                    out.push(format!("{who}: {sql} was allowed"));
                    let _ = sqlx::query("RESET ROLE").execute(&mut *conn).await;
                }
            }
        }
    }
    out
}

/// The catalog: every table of the data schema forces row-level security, and no seat (nor the
/// seat group) holds any privilege on it or on the schema.
async fn catalog_problems(w: &World) -> Vec<String> {
    let admin = admin_pool(&w.url).await;
    let mut out = Vec::new();
    let tables: Vec<(String, bool, bool)> = sqlx::query_as(
        "SELECT c.relname::text, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'spo' AND c.relkind IN ('r', 'p')",
    )
    .fetch_all(&admin)
    .await
    .expect("test step");
    // Every table of the data schema is in the matrix (a new table needs its probes).
    let mut names: Vec<&str> = tables.iter().map(|t| t.0.as_str()).collect();
    names.sort_unstable();
    let mut known = TABLES.to_vec();
    known.sort_unstable();
    assert_eq!(names, known, "tables of schema spo vs the isolation matrix");
    for (t, enabled, forced) in &tables {
        if !(enabled & forced) {
            out.push(format!("spo.{t}: row-level security enabled={enabled} forced={forced}"));
        }
    }
    let policies: Vec<(String, String)> = sqlx::query_as(
        "SELECT tablename::text, policyname::text FROM pg_policies WHERE schemaname = 'spo' AND (qual = 'true' OR with_check = 'true')
           AND NOT (tablename = 'seats' AND policyname = 'seats_lookup')",
    )
    .fetch_all(&admin)
    .await
    .expect("test step");
    for (t, p) in policies {
        out.push(format!("spo.{t}: policy {p} lets every row through"));
    }
    let mut roles: Vec<String> = w.a.iter().chain(w.b.iter()).map(|s| s.login.role.clone()).collect();
    roles.push("spo_seat".into());
    for r in roles {
        let grants: Vec<(String,)> = sqlx::query_as(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'spo' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
               AND (has_table_privilege($1, c.oid, 'SELECT') OR has_table_privilege($1, c.oid, 'INSERT')
                 OR has_table_privilege($1, c.oid, 'UPDATE') OR has_table_privilege($1, c.oid, 'DELETE'))",
        )
        .bind(&r)
        .fetch_all(&admin)
        .await
        .expect("test step");
        if !grants.is_empty() {
            out.push(format!("{r} holds privileges on {grants:?}"));
        }
        let usage: bool = sqlx::query_scalar("SELECT has_schema_privilege($1, 'spo', 'USAGE')")
            .bind(&r)
            .fetch_one(&admin)
            .await
            .expect("test step");
        if usage {
            out.push(format!("{r} can use schema spo"));
        }
        let (superuser, bypass): (bool, bool) =
            sqlx::query_as("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1")
                .bind(&r)
                .fetch_one(&admin)
                .await
                .expect("test step");
        if superuser || bypass {
            out.push(format!("{r} is superuser or bypasses RLS"));
        }
    }
    let owner: (bool, bool) = sqlx::query_as("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'spo_owner'")
        .fetch_one(&admin)
        .await
        .expect("test step");
    if owner.0 || owner.1 {
        out.push("spo_owner is superuser or bypasses RLS".into());
    }
    admin.close().await;
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_teams_three_roles_see_and_change_only_what_they_may() {
    let w = world().await;
    assert_eq!(leaks(&w).await, Vec::<String>::new());
    assert_eq!(catalog_problems(&w).await, Vec::<String>::new());

    // Roles, inside the api functions.
    let [a_owner, a_manager, a_viewer] = &w.a;
    let head = |s: &Seat| {
        let r = s.remote.clone();
        async move { r.whoami().await.expect("test step").expect("test step").head }
    };
    let before = head(a_owner).await;
    let answers = a_viewer
        .remote
        .push(
            &client(),
            &[upsert(
                1,
                "settings",
                "/pricing.kill_switch",
                json!({"id": "s", "key": "pricing.kill_switch", "value": "1"}),
            )],
        )
        .await
        .expect("test step");
    assert_eq!(answers[0].status, AnswerStatus::Rejected);
    assert!(answers[0].reason.as_deref().expect("test step").contains("viewer"), "{answers:?}");
    assert_eq!(head(a_owner).await, before, "a viewer's push wrote nothing");
    let answers = a_manager
        .remote
        .push(
            &client(),
            &[upsert(
                1,
                "settings",
                "/pricing.kill_switch",
                json!({"id": "s", "key": "pricing.kill_switch", "value": "1"}),
            )],
        )
        .await
        .expect("test step");
    assert_eq!(answers[0].status, AnswerStatus::Applied, "a manager sets the kill switch");
    for seat in [a_manager, a_viewer] {
        assert!(
            matches!(seat.remote.invite(SeatRole::Viewer, "x").await, Err(Error::Refused(m)) if m.contains("owner"))
        );
    }
    assert!(matches!(a_manager.remote.revoke(&a_viewer.login.role).await, Err(Error::Refused(_))));
    // Catalogue rows: only the seat that connected the store writes them.
    let answers = a_manager
        .remote
        .push(
            &client(),
            &[upsert(1, "products", "prod-a", json!({"id": "prod-a", "store_id": "store-a", "price_minor": 1}))],
        )
        .await
        .expect("test step");
    assert_eq!(answers[0].status, AnswerStatus::Rejected);
    // A manager cannot add a store; an owner can.
    let answers = a_manager
        .remote
        .push(&client(), &[upsert(1, "stores", "store-m", json!({"id": "store-m", "name": "M"}))])
        .await
        .expect("test step");
    assert_eq!(answers[0].status, AnswerStatus::Rejected);
    // A client id is bound to the seat that first used it.
    let shared = client();
    a_manager
        .remote
        .push(
            &shared,
            &[upsert(1, "settings", "/pricing.mode", json!({"id": "m", "key": "pricing.mode", "value": "manual"}))],
        )
        .await
        .expect("test step");
    assert!(matches!(
        a_owner
            .remote
            .push(
                &shared,
                &[upsert(2, "settings", "/pricing.mode", json!({"id": "m", "key": "pricing.mode", "value": "x"}))]
            )
            .await,
        Err(Error::Refused(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_policy_is_caught_by_the_matrix() {
    let w = world().await;
    let admin = admin_pool(&w.url).await;
    sqlx::query("ALTER POLICY rows_of_my_team ON spo.rows USING (true) WITH CHECK (true)")
        .execute(&admin)
        .await
        .expect("test step");
    let found = leaks(&w).await;
    assert!(found.iter().any(|l| l.contains("read") && l.contains("in rows")), "{found:?}");
    assert!(!catalog_problems(&w).await.is_empty());
    sqlx::query("ALTER TABLE spo.refusals NO FORCE ROW LEVEL SECURITY").execute(&admin).await.expect("test step");
    assert!(catalog_problems(&w).await.iter().any(|p| p.contains("spo.refusals")));
    sqlx::query("ALTER POLICY store_leases_of_my_team ON spo.store_leases USING (true) WITH CHECK (true)")
        .execute(&admin)
        .await
        .expect("test step");
    let found = leaks(&w).await;
    assert!(found.iter().any(|l| l.contains("in store_leases")), "{found:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_seat_cannot_log_in_and_its_open_session_is_ended() {
    let url = fresh_database().await;
    let owner = new_team(&url, "Team").await;
    let manager = join(&owner, SeatRole::Manager, "M").await;
    assert!(manager.remote.whoami().await.expect("test step").is_some());
    owner.remote.revoke(&manager.login.role).await.expect("test step");
    // Its pooled session was terminated; a new login is refused.
    let again = manager
        .remote
        .push(&client(), &[upsert(1, "settings", "/pricing.mode", json!({"id": "m", "key": "pricing.mode"}))])
        .await;
    assert!(again.is_err(), "{again:?}");
    match Remote::connect(&manager.login).await {
        Err(Error::Login(_)) => {}
        other => panic!("a revoked seat logged in: {other:?}"),
    }
    let members = owner.remote.members().await.expect("test step");
    assert!(members.iter().any(|m| m.db_role == manager.login.role && m.revoked_at.is_some()));
    // The last owner cannot leave.
    assert!(matches!(owner.remote.revoke(&owner.login.role).await, Err(Error::Refused(m)) if m.contains("last owner")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invite_works_once_and_the_temporary_password_dies_at_join() {
    let url = fresh_database().await;
    let owner = new_team(&url, "Team").await;
    let invite = owner.remote.invite(SeatRole::Viewer, "V").await.expect("test step");
    let temp =
        SeatLogin { role: invite.db_role.clone(), password: invite.temporary_password.clone(), ..owner.login.clone() };
    let first = Remote::connect(&temp).await.expect("test step");
    first.complete_join(&spo_sync::new_password()).await.expect("test step");
    first.close().await;
    assert!(matches!(Remote::connect(&temp).await, Err(Error::Login(_))), "the invite code is useless once used");
    // Plain passwords are not accepted as the new one.
    let other = owner.remote.invite(SeatRole::Viewer, "W").await.expect("test step");
    let r =
        Remote::connect(&SeatLogin { role: other.db_role, password: other.temporary_password, ..owner.login.clone() })
            .await
            .expect("test step");
    let plain = sqlx::query("SELECT api.complete_join('hunter2')").execute(r.pool()).await;
    assert!(plain.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_batch_changes_nothing_and_gets_the_same_answers() {
    let url = fresh_database().await;
    let owner = new_team(&url, "Team").await;
    let c = client();
    let batch = vec![
        upsert(1, "stores", "s1", json!({"id": "s1", "name": "S"})),
        upsert(2, "pricing_rules", "r1", json!({"id": "r1", "store_id": "s1", "scope": "store", "version": 1})),
        upsert(3, "pricing_rules", "r2", json!({"id": "r2", "store_id": "s1", "scope": "store", "version": 1})),
    ];
    let first = owner.remote.push(&c, &batch).await.expect("test step");
    assert_eq!(
        first.iter().map(|a| a.status).collect::<Vec<_>>(),
        [AnswerStatus::Applied, AnswerStatus::Applied, AnswerStatus::Conflict]
    );
    let head = owner.remote.whoami().await.expect("test step").expect("test step").head;
    let rows = owner.remote.pull(0, 100).await.expect("test step");
    let again = owner.remote.push(&c, &batch).await.expect("test step");
    assert_eq!(again[0].status, AnswerStatus::Duplicate);
    assert_eq!(again[1].status, AnswerStatus::Duplicate);
    assert_eq!(again[2].status, AnswerStatus::Conflict, "a refusal is answered the same on replay");
    assert_eq!(owner.remote.whoami().await.expect("test step").expect("test step").head, head);
    assert_eq!(owner.remote.pull(0, 100).await.expect("test step"), rows);
    assert_eq!(owner.remote.client_state(&c).await.expect("test step"), (head, 3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_seats_editing_one_rule_offline_one_wins_the_other_sees_a_conflict() {
    let url = fresh_database().await;
    let owner = new_team(&url, "Team").await;
    let manager = join(&owner, SeatRole::Manager, "M").await;
    let rule = |id: &str, v: i64, min: i64| json!({"id": id, "store_id": "s1", "scope": "store", "category_id": null, "product_id": null, "version": v, "min_price_minor": min});
    owner
        .remote
        .push(
            &client(),
            &[
                upsert(1, "stores", "s1", json!({"id": "s1", "name": "S"})),
                upsert(2, "pricing_rules", "r1", rule("r1", 1, 100)),
            ],
        )
        .await
        .expect("test step");
    // Both edit version 1: the app retires the live row and adds one with the next version.
    let retire = |mid: i64| {
        let mut r = rule("r1", 1, 100);
        r["deleted_at"] = json!("2026-12-03T00:00:00Z");
        upsert(mid, "pricing_rules", "r1", r)
    };
    let mine = owner
        .remote
        .push(&client(), &[retire(1), upsert(2, "pricing_rules", "r2", rule("r2", 2, 200))])
        .await
        .expect("test step");
    let theirs = manager
        .remote
        .push(&client(), &[retire(1), upsert(2, "pricing_rules", "r3", rule("r3", 2, 300))])
        .await
        .expect("test step");
    assert_eq!(mine[0].status, AnswerStatus::Applied);
    assert_eq!(mine[1].status, AnswerStatus::Applied);
    assert_eq!(theirs[0].status, AnswerStatus::Conflict, "already retired");
    assert_eq!(theirs[1].status, AnswerStatus::Conflict);
    let theirs = &theirs[1..];
    // A new version while another is live (an edit that skipped the retirement) is refused too.
    let answers = manager
        .remote
        .push(&client(), &[upsert(1, "pricing_rules", "r4", rule("r4", 3, 400))])
        .await
        .expect("test step");
    assert_eq!(answers[0].status, AnswerStatus::Conflict);
    let current = theirs[0].current.as_ref().expect("the winning rule comes with the conflict");
    assert_eq!(current.id, "r2");
    assert_eq!(current.data["min_price_minor"], 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_move_only_along_the_state_machine_and_deletes_win() {
    let url = fresh_database().await;
    let owner = new_team(&url, "Team").await;
    let manager = join(&owner, SeatRole::Manager, "M").await;
    let d = |status: &str| json!({"id": "d1", "store_id": "s1", "status": status});
    owner
        .remote
        .push(
            &client(),
            &[upsert(1, "stores", "s1", json!({"id": "s1", "name": "S"})), upsert(2, "decisions", "d1", d("proposed"))],
        )
        .await
        .expect("test step");
    let approve =
        owner.remote.push(&client(), &[upsert(1, "decisions", "d1", d("approved"))]).await.expect("test step");
    let reject =
        manager.remote.push(&client(), &[upsert(1, "decisions", "d1", d("rejected"))]).await.expect("test step");
    assert_eq!(approve[0].status, AnswerStatus::Applied);
    assert_eq!(reject[0].status, AnswerStatus::Conflict, "{reject:?}");
    assert!(reject[0].reason.as_deref().expect("test step").contains("approved"));
    // A listing deleted on one seat stays deleted whatever another writes later.
    let l = json!({"id": "l1", "store_id": "s1", "url": "https://x.sa/p"});
    let c = client();
    owner.remote.push(&c, &[upsert(1, "competitor_listings", "l1", l.clone())]).await.expect("test step");
    let del = Mutation {
        op: Op::Delete,
        data: Some(json!({"id": "l1", "store_id": "s1"})),
        ..upsert(2, "competitor_listings", "l1", l.clone())
    };
    owner.remote.push(&c, &[del]).await.expect("test step");
    let mut late = upsert(1, "competitor_listings", "l1", l);
    late.hlc = Hlc(i64::MAX >> 1).encode("zzz");
    let answers = manager.remote.push(&client(), &[late]).await.expect("test step");
    assert_eq!(answers[0].status, AnswerStatus::Conflict);
    let rows = manager.remote.pull(0, 100).await.expect("test step");
    assert!(rows.iter().any(|r| r.id == "l1" && r.deleted));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_writer_wins_per_field_by_clock() {
    let url = fresh_database().await;
    let owner = new_team(&url, "Team").await;
    let manager = join(&owner, SeatRole::Manager, "M").await;
    let at = |t: i64, dev: &str| Hlc(t << 16).encode(dev);
    let listing = json!({"id": "l1", "store_id": "s1", "url": "https://x.sa/p", "is_active": 1, "last_status": "ok"});
    let mut m = upsert(2, "competitor_listings", "l1", listing);
    m.hlc = at(10, "a");
    owner
        .remote
        .push(&client(), &[upsert(1, "stores", "s1", json!({"id": "s1", "name": "S"})), m])
        .await
        .expect("test step");
    // The manager switches the listing off (time 20); the store's seat, which had not seen that,
    // records a check (time 30) touching only last_status: both survive.
    let mut off = upsert(
        1,
        "competitor_listings",
        "l1",
        json!({"id": "l1", "store_id": "s1", "url": "https://x.sa/p", "is_active": 0, "last_status": "ok"}),
    );
    off.hlc = at(20, "b");
    off.fields = Some(vec!["is_active".into()]);
    let mut check = upsert(
        3,
        "competitor_listings",
        "l1",
        json!({"id": "l1", "store_id": "s1", "url": "https://x.sa/p", "is_active": 1, "last_status": "blocked"}),
    );
    check.hlc = at(30, "a");
    check.fields = Some(vec!["last_status".into()]);
    assert_eq!(manager.remote.push(&client(), &[off]).await.expect("test step")[0].status, AnswerStatus::Applied);
    let c = client();
    assert_eq!(owner.remote.push(&c, &[check]).await.expect("test step")[0].status, AnswerStatus::Applied);
    let row =
        owner.remote.pull(0, 100).await.expect("test step").into_iter().find(|r| r.id == "l1").expect("test step");
    assert_eq!(row.data["is_active"], 0);
    assert_eq!(row.data["last_status"], "blocked");
    // An older write to a field loses; equal clocks are ordered by device id.
    let mut old = upsert(4, "competitor_listings", "l1", json!({"id": "l1", "store_id": "s1", "is_active": 1}));
    old.hlc = at(15, "z");
    old.fields = Some(vec!["is_active".into()]);
    assert_eq!(owner.remote.push(&c, &[old]).await.expect("test step")[0].status, AnswerStatus::Conflict);
    let mut tie = upsert(5, "competitor_listings", "l1", json!({"id": "l1", "store_id": "s1", "is_active": 1}));
    tie.hlc = at(20, "c");
    tie.fields = Some(vec!["is_active".into()]);
    assert_eq!(
        owner.remote.push(&c, &[tie]).await.expect("test step")[0].status,
        AnswerStatus::Applied,
        "device c > device b at the same time"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_that_commits_late_is_never_skipped_by_a_pull() {
    let url = fresh_database().await;
    let owner = new_team(&url, "Team").await;
    let manager = join(&owner, SeatRole::Manager, "M").await;
    owner
        .remote
        .push(&client(), &[upsert(1, "stores", "s1", json!({"id": "s1", "name": "S"}))])
        .await
        .expect("test step");
    let setting = |id: &str| upsert(1, "settings", id, json!({"id": id, "key": "pricing.mode", "value": id}));
    // Seat A's push takes its change number, then its transaction stays open for a while.
    let mut slow = owner.remote.pool().begin().await.expect("test step");
    let batch = serde_json::to_value(vec![setting("/slow")]).expect("test step");
    let _: serde_json::Value = sqlx::query_scalar("SELECT api.push($1::uuid, $2)")
        .bind(client())
        .bind(batch)
        .fetch_one(&mut *slow)
        .await
        .expect("test step");
    // Seat B pushes meanwhile (it waits for A's lock) and a reader polls all along.
    let fast = {
        let r = manager.remote.clone();
        tokio::spawn(async move { r.push(&client(), &[setting("/fast")]).await.expect("test step") })
    };
    let reader = {
        let r = manager.remote.clone();
        tokio::spawn(async move {
            let (mut cursor, mut seen) = (0i64, Vec::new());
            for _ in 0..40 {
                for row in r.pull(cursor, 100).await.expect("test step") {
                    cursor = row.seq;
                    seen.push(row.id);
                }
                tokio::time::sleep(std::time::Duration::from_millis(25)).await;
            }
            seen
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    slow.commit().await.expect("test step");
    fast.await.expect("test step");
    let seen = reader.await.expect("test step");
    assert!(seen.contains(&"/slow".to_string()), "the late commit was skipped: {seen:?}");
    assert!(seen.contains(&"/fast".to_string()), "{seen:?}");
    let seqs: Vec<i64> = owner.remote.pull(0, 100).await.expect("test step").iter().map(|r| r.seq).collect();
    assert!(seqs.windows(2).all(|w| w[1] > w[0]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_reports_tls_rls_and_no_direct_grants() {
    let url = fresh_database().await;
    let owner = new_team(&url, "Team").await;
    let info = owner.remote.server_info().await.expect("test step");
    assert!(info.version.starts_with("15") || info.version.parse::<f64>().is_ok(), "{info:?}");
    assert!(info.rls_forced);
    assert_eq!(info.direct_table_grants, 0);
}

fn a_rule(min: i64) -> spo_store::NewRule {
    spo_store::NewRule {
        scope: spo_store::ScopeKind::Store,
        category_id: None,
        product_id: None,
        strategy: spo_store::StrategyKind::MatchLowest,
        params: "{}".into(),
        min_price_minor: Some(min),
        max_price_minor: None,
        min_margin_bps: None,
        max_step_bps: None,
        max_daily_bps: None,
        cooldown_minutes: None,
        price_ending: None,
        is_dry_run: true,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_push_and_acknowledgement_loses_nothing_and_duplicates_nothing() {
    let url = fresh_database().await;
    let owner = new_team(&url, "Team").await;
    let dir = tempfile::tempdir().expect("dir");
    let (db, link, store) = local_seat(&owner, dir.path(), Some("Store")).await;
    let store = store.expect("store");
    db.set_rule(&store, &a_rule(100), "user:test").await.expect("rule");
    db.set_rule(&store, &a_rule(200), "user:test").await.expect("rule");
    let pending = db.pending_mutations(100).await.expect("pending");
    assert!(pending.len() >= 4, "store, rule, retire, rule: {pending:?}");
    // The server commits the batch; the process dies before it records the answers.
    let first = owner.remote.push(&link.client_id, &pending).await.expect("push");
    assert!(first.iter().all(|a| a.status == AnswerStatus::Applied), "{first:?}");
    let head = owner.remote.whoami().await.expect("whoami").expect("seat").head;
    db.close().await;
    drop(db);
    // After the restart the same changes are pending and go again: all recognised.
    let db = spo_store::Db::open(dir.path().join("spo.sqlite3")).await.expect("reopen");
    let again = db.pending_mutations(100).await.expect("pending");
    assert_eq!(again, pending);
    let answers = owner.remote.push(&link.client_id, &again).await.expect("replay");
    assert!(answers.iter().all(|a| a.status == AnswerStatus::Duplicate), "{answers:?}");
    assert_eq!(db.record_answers(&again, &answers).await.expect("record"), 0);
    assert!(db.pending_mutations(100).await.expect("pending").is_empty());
    assert_eq!(owner.remote.whoami().await.expect("whoami").expect("seat").head, head, "nothing applied twice");
    let rows = owner.remote.pull(0, 100).await.expect("pull");
    let live: Vec<_> =
        rows.iter().filter(|r| r.tbl == "pricing_rules" && r.data["deleted_at"].is_null()).map(|r| &r.data).collect();
    assert_eq!(live.len(), 1, "{live:?}");
    assert_eq!(live[0]["min_price_minor"], 200);
    // A new change after the restart gets a new mutation id, never a reused one.
    db.set_rule(&store, &a_rule(300), "user:test").await.expect("rule");
    let next = db.pending_mutations(100).await.expect("pending");
    assert!(next.iter().all(|m| m.mid > pending.last().expect("some").mid), "{next:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pulled_rows_never_overwrite_pending_local_changes_and_do_not_echo() {
    let url = fresh_database().await;
    let owner = new_team(&url, "Team").await;
    let dir = tempfile::tempdir().expect("dir");
    let (db, link, store) = local_seat(&owner, dir.path(), Some("Store")).await;
    let store = store.expect("store");
    let pending = db.pending_mutations(100).await.expect("pending");
    let answers = owner.remote.push(&link.client_id, &pending).await.expect("push");
    db.record_answers(&pending, &answers).await.expect("record");
    // Another client of the team renames the store.
    let other = client();
    let mut rename = Mutation {
        mid: 1,
        tbl: "stores".into(),
        id: store.clone(),
        op: Op::Upsert,
        data: Some(json!({"id": store, "name": "Renamed by the team"})),
        base_version: None,
        fields: Some(vec!["name".into()]),
        hlc: Hlc(i64::MAX >> 2).encode("zz"),
    };
    owner.remote.push(&other, std::slice::from_ref(&rename)).await.expect("rename");
    // A local change is pending: the pull is not applied.
    db.set_rule(&store, &a_rule(100), "user:test").await.expect("rule");
    let rows = owner.remote.pull(0, 100).await.expect("pull");
    let last = rows.last().expect("rows").seq;
    let applied = db.apply_pulled(&rows, last, last, 0).await.expect("apply");
    assert!(applied.deferred);
    assert_eq!(db.pulled_seq().await.expect("cursor"), 0, "the cursor did not pass a change not applied");
    // Push, then the pull applies, and applying writes nothing to the outbox.
    let pending = db.pending_mutations(100).await.expect("pending");
    let answers = owner.remote.push(&link.client_id, &pending).await.expect("push");
    db.record_answers(&pending, &answers).await.expect("record");
    let rows = owner.remote.pull(0, 100).await.expect("pull");
    let last = rows.last().expect("rows").seq;
    let applied = db.apply_pulled(&rows, last, last, 0).await.expect("apply");
    assert!(!applied.deferred);
    assert_eq!(applied.failed, 0);
    assert!(db.pending_mutations(100).await.expect("pending").is_empty(), "applied rows do not echo");
    assert_eq!(db.store(&store).await.expect("store").name, "Renamed by the team");
    rename.mid = 2;
    let _ = rename;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_knows_the_rule_of_every_synced_table() {
    use spo_domain::sync::{ConflictRule, SYNCED_TABLES};
    let url = fresh_database().await;
    let _owner = new_team(&url, "Team").await;
    let admin = admin_pool(&url).await;
    for t in SYNCED_TABLES {
        let rule: Option<String> =
            sqlx::query_scalar("SELECT spo.table_rule($1)").bind(t.name).fetch_one(&admin).await.expect("test step");
        let expected: &[&str] = match t.rule {
            ConflictRule::StoreSeat => &["store_seat", "store_seat_append"],
            ConflictRule::CompareAndSet => &["compare_and_set"],
            ConflictRule::Transitions => &["transitions"],
            ConflictRule::AppendOnly => &["append"],
            ConflictRule::CreatorUpdates => &["creator"],
            ConflictRule::LastWriterWins => &["last_writer_wins"],
        };
        assert!(rule.as_deref().is_some_and(|r| expected.contains(&r)), "{}: server says {rule:?}", t.name);
    }
    let unknown: Option<String> =
        sqlx::query_scalar("SELECT spo.table_rule('orders')").fetch_one(&admin).await.expect("test step");
    assert_eq!(unknown, None, "raw orders are never synced");
    admin.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sales_job_runs_and_candidates_follow_their_tables_rules() {
    let url = fresh_database().await;
    let owner = new_team(&url, "Team").await;
    let manager = join(&owner, SeatRole::Manager, "M").await;
    let c = client();
    let sales = json!({"id": "s1/p1/20000", "store_id": "s1", "product_id": "p1", "day": 20000, "units": 3,
                       "revenue_minor": 3000, "orders": 2});
    let run = json!({"id": "run1", "store_id": "s1", "kind": "import_orders", "status": "succeeded",
                     "started_at": "2026-12-03T10:00:00Z", "counts": "{}"});
    let answers = owner
        .remote
        .push(
            &c,
            &[
                upsert(1, "stores", "s1", json!({"id": "s1", "name": "S"})),
                upsert(2, "daily_sales", "s1/p1/20000", sales.clone()),
                upsert(3, "job_run_summaries", "run1", run.clone()),
            ],
        )
        .await
        .expect("test step");
    assert!(answers.iter().all(|a| a.status == AnswerStatus::Applied), "{answers:?}");
    // Only the store's seat writes its sales; a run summary is written once.
    let mut more = sales.clone();
    more["units"] = json!(99);
    let theirs = manager
        .remote
        .push(
            &client(),
            &[upsert(1, "daily_sales", "s1/p1/20000", more), upsert(2, "job_run_summaries", "run2", run.clone())],
        )
        .await
        .expect("test step");
    assert_eq!(theirs[0].status, AnswerStatus::Rejected, "{theirs:?}");
    assert!(theirs[0].reason.as_deref().unwrap_or_default().contains("sales"), "{theirs:?}");
    assert_eq!(theirs[1].status, AnswerStatus::Applied, "a manager's seat may record its own runs");
    let mut rewrite = run;
    rewrite["status"] = json!("failed");
    let again = owner.remote.push(&c, &[upsert(4, "job_run_summaries", "run1", rewrite)]).await.expect("test step");
    assert_eq!(again[0].status, AnswerStatus::Rejected, "{again:?}");
    // A candidate page: the manager rejects it while the store's seat refreshes its score; both
    // fields survive (per-field last writer wins).
    let at = |t: i64, dev: &str| Hlc(t << 16).encode(dev);
    let cand = json!({"id": "c1", "store_id": "s1", "product_id": "p1", "url": "https://x.sa/p", "status": "new",
                      "score": 0.5});
    let mut first = upsert(5, "listing_candidates", "c1", cand.clone());
    first.hlc = at(10, "a");
    owner.remote.push(&c, &[first]).await.expect("test step");
    let mut reject = upsert(3, "listing_candidates", "c1", json!({"id": "c1", "store_id": "s1", "status": "rejected"}));
    reject.hlc = at(20, "b");
    reject.fields = Some(vec!["status".into()]);
    let mut rescore = upsert(6, "listing_candidates", "c1", json!({"id": "c1", "store_id": "s1", "score": 0.9}));
    rescore.hlc = at(30, "a");
    rescore.fields = Some(vec!["score".into()]);
    assert_eq!(manager.remote.push(&client(), &[reject]).await.expect("test step")[0].status, AnswerStatus::Applied);
    assert_eq!(owner.remote.push(&c, &[rescore]).await.expect("test step")[0].status, AnswerStatus::Applied);
    let rows = manager.remote.pull(0, 100).await.expect("test step");
    let row = rows.iter().find(|r| r.id == "c1").expect("the candidate is on the team");
    assert_eq!(row.data["status"], "rejected");
    assert_eq!(row.data["score"], 0.9);
    assert!(rows.iter().any(|r| r.tbl == "daily_sales" && r.data["units"] == 3));
}
