//! Backup and restore (R15).

use spo_store::{Db, Error, NewStore};

use super::{fresh, imported, raw, sqlx_exec};

/// A `.restoring` copy is still next to the database.
fn restoring_left(db: &Db) -> bool {
    std::fs::read_dir(db.path().parent().expect("dir"))
        .expect("dir")
        .flatten()
        .any(|e| e.file_name().to_string_lossy().ends_with(".restoring"))
}

async fn store_with_products(db: &Db, n: i64) -> String {
    let store = db
        .insert_store(&NewStore { salla_store_id: Some(1), name: "متجر".into(), domain: None, is_demo: false })
        .await
        .expect("store");
    let batch: Vec<_> =
        (1..=n).map(|i| imported(i, &format!("منتج {i}"), &format!("SKU-{i}"), 1000 + i, None)).collect();
    db.upsert_products(&store, &batch).await.expect("products");
    store
}

#[tokio::test]
async fn backup_during_concurrent_writes_is_consistent_and_restores_identically() {
    let (dir, db) = fresh().await;
    let store_id = store_with_products(&db, 200).await;
    // A writer keeps changing prices and settings while three backups are taken.
    let writer = {
        let db = db.clone();
        let store_id = store_id.clone();
        tokio::spawn(async move {
            for round in 0..60_i64 {
                let batch: Vec<_> = (1..=50)
                    .map(|i| imported(i, &format!("منتج {i}"), &format!("SKU-{i}"), 2000 + round, None))
                    .collect();
                db.upsert_products(&store_id, &batch).await.expect("write during backup");
                let value = round.to_string();
                db.put_device_settings(&[("test.round", value.as_str())], "test").await.expect("setting");
            }
        })
    };
    let mut backups = Vec::new();
    for i in 0..3 {
        let info = db.backup_to(&dir.path().join(format!("b{i}.sqlite3"))).await.expect("backup while writing");
        assert_eq!(info.rows("products"), 200);
        assert_eq!(info.schema_version, Db::latest_known_migration());
        backups.push(info);
    }
    writer.await.expect("writer");
    for b in &backups {
        // Checked again from the outside: the file on disk passes integrity_check on its own.
        let again = spo_store::inspect_backup(&b.path).await.expect("the backup is a sound database");
        assert_eq!(again.tables, b.tables);
    }
    let no_partials = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .all(|e| !e.file_name().to_string_lossy().ends_with(".partial"));
    assert!(no_partials, "temporary copies are renamed or removed");

    // Round trip: back up now, change things, restore → identical counts and checksums.
    let snapshot = db.fingerprints().await.expect("fingerprints");
    let file = dir.path().join("before.sqlite3");
    db.backup_to(&file).await.expect("backup");
    db.disconnect_store(&store_id, true).await.expect("delete the store's data");
    db.put_device_settings(&[("test.after", "x")], "test").await.expect("change after backup");
    assert_ne!(db.fingerprints().await.expect("fingerprints"), snapshot);
    let restored = db.restore_from(&file).await.expect("restore");
    assert_eq!(restored.rows("products"), 200);
    assert_eq!(db.fingerprints().await.expect("fingerprints after restore"), snapshot);
    assert_eq!(db.health().await.expect("health").integrity, "ok");
    // The database keeps working after the swap.
    db.put_device_settings(&[("test.after", "y")], "test").await.expect("write after restore");
    let left = restoring_left(&db);
    assert!(!left, "no .restoring file is left behind");
}

#[tokio::test]
async fn a_bad_backup_is_refused_and_the_database_is_untouched() {
    let (dir, db) = fresh().await;
    store_with_products(&db, 5).await;
    let before = db.fingerprints().await.expect("fingerprints");

    let not_db = dir.path().join("notes.sqlite3");
    std::fs::write(&not_db, "these are not the droids").expect("write");
    let e = db.restore_from(&not_db).await.expect_err("a text file is refused");
    assert!(matches!(e, Error::InvalidBackup(_)), "{e}");

    // A SQLite database that is not ours.
    let foreign = dir.path().join("other.sqlite3");
    let other = Db::open(dir.path().join("x").join("o.sqlite3")).await.expect("other");
    let pool = raw(&other).await;
    sqlx_exec(&pool, "DROP TABLE stores").await.ok();
    pool.close().await;
    other.backup_to(&foreign).await.expect_err("a database without stores is not a backup");
    other.close().await;
    std::fs::copy(other.path(), &foreign).expect("copy file");
    let e = db.restore_from(&foreign).await.expect_err("a database without stores is refused");
    assert!(e.to_string().contains("not a Salla Price Optimizer database"), "{e}");

    // One of ours, but from a newer version of the app.
    let newer = dir.path().join("newer.sqlite3");
    db.backup_to(&newer).await.expect("backup");
    let copy = Db::open(dir.path().join("n").join("n.sqlite3")).await.expect("copy");
    copy.restore_from(&newer).await.expect("restore into copy");
    let pool = raw(&copy).await;
    sqlx_exec(&pool, "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (99991231000000, 'future', 1, x'00', 0)").await.expect("fake future migration");
    pool.close().await;
    let future = dir.path().join("future.sqlite3");
    copy.backup_to(&future).await.expect_err("a backup of a future schema fails its own check");
    copy.close().await;
    std::fs::copy(copy.path(), &future).expect("copy file");
    let e = db.restore_from(&future).await.expect_err("a newer schema is refused");
    assert!(e.to_string().contains("newer version"), "{e}");

    // A corrupted file: a page in the middle overwritten.
    let corrupt = dir.path().join("corrupt.sqlite3");
    db.backup_to(&corrupt).await.expect("backup");
    let mut bytes = std::fs::read(&corrupt).expect("read");
    let page = 4096;
    assert!(bytes.len() > 3 * page);
    for b in &mut bytes[2 * page..3 * page] {
        *b = 0x5a;
    }
    std::fs::write(&corrupt, bytes).expect("write");
    let e = db.restore_from(&corrupt).await.expect_err("a corrupted backup is refused");
    assert!(matches!(e, Error::InvalidBackup(_)), "{e}");

    assert_eq!(db.fingerprints().await.expect("fingerprints"), before, "nothing changed");
    let left = restoring_left(&db);
    assert!(!left, "refused copies are removed");
    // A staged copy that is never swapped in is removed when dropped.
    let good = dir.path().join("good.sqlite3");
    db.backup_to(&good).await.expect("backup");
    drop(db.stage_restore(&good).await.expect("staged"));
    let left = restoring_left(&db);
    assert!(!left, "an abandoned copy is removed");
}

#[tokio::test]
async fn an_older_database_is_backed_up_before_it_is_migrated() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("spo.sqlite3");
    let db = Db::open(&path).await.expect("open");
    store_with_products(&db, 3).await;
    let latest = Db::latest_known_migration();
    // Make it look like the newest migration has not run yet.
    let pool = raw(&db).await;
    // (Undo what the newest migration does; update this when a migration is added.)
    for undo in
        ["DROP INDEX idx_products_margin", "DROP INDEX idx_products_margin_desc", "DROP INDEX idx_products_name"]
    {
        sqlx_exec(&pool, undo).await.expect(undo);
    }
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = ?1").bind(latest).execute(&pool).await.expect("forget");
    pool.close().await;
    db.close().await;
    assert!(!dir.path().join("backups").exists(), "a fresh database is not backed up");

    let db = Db::open(&path).await.expect("reopen and migrate");
    assert_eq!(db.health().await.expect("health").schema_version, latest);
    let backups: Vec<_> = std::fs::read_dir(dir.path().join("backups")).expect("backups").flatten().collect();
    assert_eq!(backups.len(), 1);
    let name = backups[0].file_name().to_string_lossy().into_owned();
    assert!(name.starts_with("pre-migration-"), "{name}");
    let info = spo_store::inspect_backup(&backups[0].path()).await.expect("sound");
    assert_eq!(info.rows("products"), 3);
    assert!(info.schema_version < latest);
}

/// A backup of `db` changed by `sql` (run on a throwaway copy without foreign-key enforcement).
async fn altered_backup(dir: &std::path::Path, db: &Db, name: &str, sql: &str) -> std::path::PathBuf {
    let good = dir.join(format!("{name}-good.sqlite3"));
    db.backup_to(&good).await.expect("backup");
    let out = dir.join(format!("{name}.sqlite3"));
    std::fs::copy(&good, &out).expect("copy");
    use std::str::FromStr;
    let opts = sqlx::sqlite::SqliteConnectOptions::from_str(&format!("sqlite://{}", out.display()))
        .expect("url")
        .foreign_keys(false);
    let pool = sqlx::SqlitePool::connect_with(opts).await.expect("pool");
    sqlx::raw_sql(sql).execute(&pool).await.expect("alter");
    pool.close().await;
    out
}

#[tokio::test]
async fn a_backup_is_validated_completely_before_the_swap() {
    let (dir, db) = fresh().await;
    let store = store_with_products(&db, 5).await;
    let before = db.fingerprints().await.expect("fingerprints");
    let cases = [
        // Another program's SQLite file that happens to use sqlx migrations and have `stores`.
        (
            "foreign",
            "DELETE FROM _sqlx_migrations; INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES (20261125000000, 'their schema', 1, x'0102', 0);",
            "differs from this app's",
        ),
        // Ours, but a schema step whose script was altered.
        ("checksum", "UPDATE _sqlx_migrations SET checksum = x'00' WHERE version = 20261126000000;", "differs from this app's"),
        // Ours, with a table missing.
        ("missing-table", "DROP TABLE notifications;", "notifications.id"),
        // Ours, with a column missing.
        ("missing-column", "ALTER TABLE products DROP COLUMN sale_end;", "products.sale_end"),
        // Rows pointing at rows that are not there.
        ("dangling", &format!("DELETE FROM stores WHERE id = '{store}';"), "foreign-key check"),
        // A gap in the history.
        ("gap", "DELETE FROM _sqlx_migrations WHERE version = 20261126000000;", "gap"),
    ];
    for (name, sql, why) in cases {
        let file = altered_backup(dir.path(), &db, name, sql).await;
        let e = db.restore_from(&file).await.expect_err(name);
        assert!(matches!(e, Error::InvalidBackup(_)), "{name}: {e}");
        assert!(e.to_string().contains(why), "{name}: {e}");
    }
    assert_eq!(db.fingerprints().await.expect("fingerprints"), before, "nothing changed");
    assert!(!restoring_left(&db));
    // A sound backup still restores.
    let good = dir.path().join("fine.sqlite3");
    db.backup_to(&good).await.expect("backup");
    db.restore_from(&good).await.expect("a sound backup restores");
}
