//! One seat runs each store (team sync, part 2). In a team, a store's jobs run and its Salla calls
//! are made only by the seat holding the store's lease in the team database; the holder renews it
//! every third of its time-to-live, shows its fencing epoch again right before every price write,
//! and stops writing when it cannot reach the team database for longer than the grace. The rules
//! are in `spo_domain::lease`; this is the IO around them. Without a team nothing here applies.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use spo_domain::lease::{HeldLease, LeaseTimes};
use spo_domain::sync::SeatRole;
use spo_ipc as ipc;
use spo_store::TeamLink;

use crate::{App, AppError, Result};

/// A device setting (per store) set when this seat handed the store over: it stops taking the
/// lease until `spo stores lease take`.
const KEY_YIELDED: &str = "lease.yielded";

/// The leases this data folder holds, as last confirmed.
#[derive(Debug)]
pub(crate) struct Leases {
    times: LeaseTimes,
    started: Instant,
    held: std::sync::Mutex<HashMap<String, HeldLease>>,
    /// This process keeps leases (desktop app, daemon); one-shot commands use the data folder's
    /// leases without ending them when they exit.
    keeper: std::sync::atomic::AtomicBool,
}

impl Leases {
    pub(crate) fn new(times: LeaseTimes) -> Leases {
        Leases { times, started: Instant::now(), held: std::sync::Mutex::default(), keeper: false.into() }
    }

    pub(crate) fn times(&self) -> LeaseTimes {
        self.times
    }

    /// The monotonic clock leases are measured on, ms.
    fn now_ms(&self) -> i64 {
        i64::try_from(self.started.elapsed().as_millis()).unwrap_or(i64::MAX)
    }

    fn book(&self) -> std::sync::MutexGuard<'_, HashMap<String, HeldLease>> {
        self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, store_id: &str) -> Option<HeldLease> {
        self.book().get(store_id).copied()
    }

    fn confirm(&self, store_id: &str, epoch: i64, confirmed_ms: i64) {
        self.book().insert(store_id.to_owned(), HeldLease { epoch, confirmed_ms });
    }

    fn forget(&self, store_id: &str) {
        self.book().remove(store_id);
    }
}

/// What the team database said to an acquire.
enum Acquired {
    Held,
    HeldBy(String),
    /// The store is not on the team yet (connected here, not pushed): it is this seat's alone.
    NotOnTeam,
}

fn refused(why: String) -> AppError {
    AppError::Team(spo_sync::Error::Refused(why))
}

fn holder_words(a: &spo_sync::LeaseAnswer) -> String {
    let seat = a.holder_seat.clone().unwrap_or_else(|| a.holder.clone());
    format!("{seat} (its lease ends in {} s unless renewed)", (a.expires_in_ms + 999) / 1000)
}

impl App {
    /// The team link when `store_id` is run under a lease here (a team seat, not the demo store).
    async fn lease_scope(&self, store_id: &str) -> Result<Option<TeamLink>> {
        let Some(link) = self.db().team_link().await? else { return Ok(None) };
        let store = self.db().store(store_id).await?;
        Ok((!store.is_demo).then_some(link))
    }

    /// Why this seat may not run `store_id` now (None: it may), without asking the team database.
    async fn local_refusal(&self, link: &TeamLink, store_id: &str) -> Result<Option<String>> {
        if link.seat_role == SeatRole::Viewer {
            return Ok(Some("a viewer seat does not run stores' jobs".into()));
        }
        if !self.db().store_runs_here(store_id).await? {
            return Ok(Some(
                "this store was connected on another seat: its jobs run there, where its Salla grant is".into(),
            ));
        }
        if self.db().store_setting(store_id, KEY_YIELDED).await?.as_deref() == Some("1") {
            return Ok(Some("this seat handed the store over (spo stores lease take to run it here again)".into()));
        }
        Ok(None)
    }

    async fn acquire(&self, link: &TeamLink, store_id: &str) -> Result<Acquired> {
        let before = self.leases.now_ms();
        let ttl = i32::try_from(self.leases.times().ttl_ms).unwrap_or(i32::MAX);
        let remote = self.remote().await?;
        match remote.acquire_lease(store_id, &link.client_id, ttl).await {
            Ok(a) if a.held => {
                self.leases.confirm(store_id, a.epoch, before);
                Ok(Acquired::Held)
            }
            Ok(a) => {
                self.leases.forget(store_id);
                Ok(Acquired::HeldBy(holder_words(&a)))
            }
            Err(spo_sync::Error::Invalid(m)) if m.contains("not part of this team") => {
                self.leases.forget(store_id);
                Ok(Acquired::NotOnTeam)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Why this seat does not run `store_id`'s jobs now (None: it does). Takes the lease when it
    /// is free. Without a team every store runs here. A team database that cannot be reached to
    /// confirm it (past the grace) is an offline error.
    pub(crate) async fn store_runs_elsewhere(&self, store_id: &str) -> Result<Option<String>> {
        Ok(self.store_skip(store_id).await?.map(|(_, why)| why))
    }

    /// [`App::store_runs_elsewhere`] with a code for the job monitor: `held_by_another_seat` (this
    /// seat has the store's grant, another holds its lease) or `runs_on_another_seat`.
    pub(crate) async fn store_skip(&self, store_id: &str) -> Result<Option<(&'static str, String)>> {
        match self.lease_scope(store_id).await? {
            Some(link) => self.skip_in(&link, store_id).await,
            None => Ok(None),
        }
    }

    /// [`App::store_skip`] for a store known to be run under a lease in `link`'s team.
    async fn skip_in(&self, link: &TeamLink, store_id: &str) -> Result<Option<(&'static str, String)>> {
        if let Some(why) = self.local_refusal(link, store_id).await? {
            return Ok(Some(("runs_on_another_seat", why)));
        }
        if self.leases.get(store_id).is_some_and(|h| self.leases.times().still_runs(&h, self.leases.now_ms())) {
            return Ok(None);
        }
        match self.acquire(link, store_id).await {
            Ok(Acquired::Held | Acquired::NotOnTeam) => Ok(None),
            Ok(Acquired::HeldBy(who)) => {
                Ok(Some(("held_by_another_seat", format!("another seat runs this store: {who}"))))
            }
            Err(AppError::Team(e)) if e.is_offline() => Err(AppError::Team(spo_sync::Error::Unreachable(format!(
                "cannot confirm that this seat still runs the store ({e}); Salla calls for it wait"
            )))),
            Err(e) => Err(e),
        }
    }

    /// Refuses when another seat runs `store_id` (before any Salla call for it).
    pub(crate) async fn ensure_runs_store(&self, store_id: &str) -> Result<()> {
        match self.store_runs_elsewhere(store_id).await? {
            None => Ok(()),
            Some(why) => Err(refused(why)),
        }
    }

    /// Right before a price write for `store_id`: the team database must confirm that this data
    /// folder still holds the store's lease with its epoch and that the team's kill switch is off.
    /// Cut off from it, writes go on for the grace after the last confirmation, then stop.
    pub(crate) async fn fence_write(&self, store_id: &str) -> Result<()> {
        let Some(link) = self.lease_scope(store_id).await? else { return Ok(()) };
        if let Some((_, why)) = self.skip_in(&link, store_id).await? {
            return Err(refused(why));
        }
        let Some(held) = self.leases.get(store_id) else {
            return Ok(()); // not on the team yet: this seat's alone
        };
        let before = self.leases.now_ms();
        let check = async {
            self.remote().await?.check_fence(store_id, &link.client_id, held.epoch).await.map_err(AppError::from)
        };
        let answer = tokio::time::timeout(Duration::from_secs(5), check).await;
        match answer {
            Ok(Ok(f)) if f.kill_switch => Err(refused("the team's kill switch is on: no price is written".into())),
            Ok(Ok(f)) if f.holds => {
                self.leases.confirm(store_id, held.epoch, before);
                Ok(())
            }
            Ok(Ok(_)) => {
                self.leases.forget(store_id);
                tracing::warn!(store = store_id, epoch = held.epoch, "fenced: this seat lost the store's lease");
                Err(refused(
                    "this seat no longer holds the store's lease (another seat took it over): nothing was written"
                        .into(),
                ))
            }
            Ok(Err(AppError::Team(e))) if !e.is_offline() => Err(AppError::Team(e)),
            Ok(Err(e @ (AppError::Internal(_) | AppError::InvalidInput(_)))) => Err(e),
            _ if self.leases.times().may_write_unconfirmed(&held, self.leases.now_ms()) => {
                tracing::warn!(
                    store = store_id,
                    "the team database did not answer the fence; writing within the grace"
                );
                Ok(())
            }
            _ => Err(AppError::Team(spo_sync::Error::Unreachable(format!(
                "the team database has not confirmed this seat's lease for over {} s: prices wait until it answers",
                self.leases.times().grace_ms / 1000
            )))),
        }
    }

    /// Would a price write for `store_id` go out now? The checks made right before every write:
    /// this seat's kill switch, then the fence (the store's lease and the team's kill switch, read
    /// from the team database). Err says why not.
    pub async fn price_write_check(&self, store_id: &str) -> Result<()> {
        if self.kill_switch().await? {
            return Err(AppError::InvalidInput("the kill switch is on: no price is written".into()));
        }
        self.fence_write(store_id).await
    }

    /// Renews (or takes, when free) the lease of every store this seat runs. One round of the
    /// lease loop.
    pub(crate) async fn keep_leases(&self) {
        let Ok(Some(link)) = self.db().team_link().await else { return };
        let Ok(stores) = self.db().list_stores().await else { return };
        for s in stores.into_iter().filter(|s| !s.is_demo) {
            match self.local_refusal(&link, &s.id).await {
                Ok(None) => {}
                _ => continue,
            }
            if let Err(e) = self.acquire(&link, &s.id).await {
                tracing::debug!(store = %s.id, error = %e, "lease renewal failed; retried");
            }
        }
    }

    /// Ends this data folder's leases when this process kept them (quitting the app or the daemon):
    /// another seat may take the stores at once.
    pub(crate) async fn release_leases(&self) {
        if !self.leases.keeper.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let held: Vec<String> = self.leases.book().keys().cloned().collect();
        if held.is_empty() {
            return;
        }
        let Ok(Some(link)) = self.db().team_link().await else { return };
        let release = async {
            let remote = self.remote().await?;
            for store in &held {
                remote.release_lease(store, &link.client_id).await?;
                self.leases.forget(store);
            }
            Ok::<(), AppError>(())
        };
        if let Err(e) = tokio::time::timeout(Duration::from_secs(3), release)
            .await
            .unwrap_or_else(|_| Err(AppError::Team(spo_sync::Error::Unreachable("no answer within 3 s".into()))))
        {
            tracing::warn!(error = %e, "leases not released; they expire on their own");
        }
    }

    /// Which seat runs each of the team's stores.
    pub async fn store_leases(&self) -> Result<Vec<ipc::StoreLeaseInfo>> {
        let link = self.team_link().await?;
        let rows = self.remote().await?.leases().await?;
        let names: HashMap<String, String> =
            self.db().list_stores().await?.into_iter().map(|s| (s.id, s.name)).collect();
        Ok(rows
            .into_iter()
            .map(|l| ipc::StoreLeaseInfo {
                here: l.live && l.holder == link.db_role && self.leases.get(&l.store_id).is_some(),
                store_name: names.get(&l.store_id).cloned(),
                store_id: l.store_id,
                holder_seat: l.holder_seat,
                holder: l.holder,
                epoch: l.epoch,
                acquired_at: l.acquired_at,
                renewed_at: l.renewed_at,
                expires_at: l.expires_at,
                live: l.live,
            })
            .collect())
    }

    /// Runs `store_id` on this seat from now on: takes its lease (refused while another seat holds
    /// it) and clears a handover made here.
    pub async fn take_store_lease(&self, store_id: &str) -> Result<ipc::StoreLeaseInfo> {
        let link = self.team_link().await?;
        self.ensure_may_write(false).await?;
        if self.db().store_setting(store_id, KEY_YIELDED).await?.as_deref() == Some("1") {
            self.db().put_store_setting(store_id, KEY_YIELDED, "0", "user:local").await?;
        }
        if let Some(why) = self.local_refusal(&link, store_id).await? {
            return Err(refused(why));
        }
        match self.acquire(&link, store_id).await? {
            Acquired::Held => {}
            Acquired::HeldBy(who) => {
                return Err(refused(format!(
                    "another seat runs this store: {who}; it must release it first (spo stores lease release there)"
                )))
            }
            Acquired::NotOnTeam => {
                return Err(AppError::InvalidInput(
                    "this store is not on the team yet: sync first (spo sync now)".into(),
                ))
            }
        }
        self.store_leases()
            .await?
            .into_iter()
            .find(|l| l.store_id == store_id)
            .ok_or_else(|| AppError::Internal("the lease just taken is not listed".into()))
    }

    /// Hands `store_id` over: ends this seat's lease now and stops taking it again until
    /// [`App::take_store_lease`]. False when this seat did not hold it.
    pub async fn release_store_lease(&self, store_id: &str) -> Result<bool> {
        let link = self.team_link().await?;
        self.db().store(store_id).await?;
        self.db().put_store_setting(store_id, KEY_YIELDED, "1", "user:local").await?;
        self.leases.forget(store_id);
        Ok(self.remote().await?.release_lease(store_id, &link.client_id).await?)
    }

    /// Keeps this seat's leases while the team is set up (every third of the lease time).
    pub(crate) fn start_lease_loop(&self) {
        self.leases.keeper.store(true, std::sync::atomic::Ordering::Relaxed);
        let app = self.clone();
        let every = Duration::from_millis(u64::try_from(self.leases.times().renew_every_ms()).unwrap_or(10_000));
        let task = tokio::spawn(async move {
            loop {
                if !matches!(app.db().team_link().await, Ok(Some(_))) {
                    return;
                }
                app.keep_leases().await;
                tokio::time::sleep(every).await;
            }
        });
        self.background_task(task);
    }
}
