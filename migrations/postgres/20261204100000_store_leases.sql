-- Team sync, part 2: one seat runs each store. A lease row per store (river's and Oban's leader
-- tables; not advisory locks, which break behind connection poolers): acquired and renewed by the
-- seat that runs the store's jobs, taken over by another only after it expired. Every takeover
-- adds one to the store's fencing epoch, and a seat re-checks its lease and epoch right before
-- each Salla write (api.check_fence), so a seat that was paused or cut off past its lease writes
-- nothing. Leases are never deleted (a release ends them now), so epochs only grow.

SET ROLE spo_owner;

CREATE TABLE spo.store_leases (
    team_id      uuid NOT NULL,
    store_id     text NOT NULL,
    holder       name NOT NULL,          -- the seat's login role
    client_id    uuid NOT NULL,          -- the data folder (a seat may have a laptop and a daemon)
    epoch        bigint NOT NULL CHECK (epoch > 0),
    acquired_at  timestamptz NOT NULL,
    renewed_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (team_id, store_id)
);
ALTER TABLE spo.store_leases ENABLE ROW LEVEL SECURITY;
ALTER TABLE spo.store_leases FORCE ROW LEVEL SECURITY;
CREATE POLICY store_leases_of_my_team ON spo.store_leases TO spo_owner
    USING (team_id = (SELECT spo.my_team())) WITH CHECK (team_id = (SELECT spo.my_team()));

-- Acquires or renews this seat's lease on a store for p_ttl_ms. Held: the epoch to fence writes
-- with. Not held: who holds it and for how much longer. Owners and managers only.
CREATE FUNCTION api.acquire_lease(p_store text, p_client uuid, p_ttl_ms integer)
    RETURNS TABLE (held boolean, epoch bigint, expires_in_ms bigint, holder name, holder_seat text)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me  spo.seats;
    l   spo.store_leases;
    ttl interval;
BEGIN
    SELECT s.* INTO me FROM spo.seats s WHERE s.db_role = session_user AND s.revoked_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'this login is not a seat of any team (it may have been revoked)' USING ERRCODE = '42501';
    END IF;
    IF me.role = 'viewer' THEN
        RAISE EXCEPTION 'viewer seats do not run stores'' jobs' USING ERRCODE = '42501';
    END IF;
    IF p_ttl_ms IS NULL OR p_ttl_ms NOT BETWEEN 500 AND 600000 THEN
        RAISE EXCEPTION 'a lease lasts from 0.5 s to 10 minutes' USING ERRCODE = '22023';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM spo.rows r WHERE r.team_id = me.team_id AND r.tbl = 'stores' AND r.id = p_store
                   AND NOT r.deleted) THEN
        RAISE EXCEPTION 'that store is not part of this team' USING ERRCODE = 'P0002';
    END IF;
    ttl := p_ttl_ms * interval '1 millisecond';
    INSERT INTO spo.store_leases AS x (team_id, store_id, holder, client_id, epoch, acquired_at, renewed_at, expires_at)
    VALUES (me.team_id, p_store, session_user, p_client, 1, now(), now(), now() + ttl)
    ON CONFLICT (team_id, store_id) DO NOTHING
    RETURNING x.* INTO l;
    IF l.store_id IS NOT NULL THEN
        PERFORM pg_notify('spo_team_' || replace(me.team_id::text, '-', ''), '');
        RETURN QUERY SELECT true, l.epoch, p_ttl_ms::bigint, l.holder, me.name;
        RETURN;
    END IF;
    SELECT x.* INTO l FROM spo.store_leases x WHERE x.team_id = me.team_id AND x.store_id = p_store FOR UPDATE;
    IF l.holder = session_user AND l.client_id = p_client AND l.expires_at > now() THEN
        UPDATE spo.store_leases x SET renewed_at = now(), expires_at = now() + ttl
        WHERE x.team_id = me.team_id AND x.store_id = p_store;
        RETURN QUERY SELECT true, l.epoch, p_ttl_ms::bigint, l.holder, me.name;
    ELSIF l.expires_at <= now() THEN
        -- Expired or released: taken over, with the next epoch (also by the seat that held it:
        -- whatever it did after its lease ended must not pass the fence).
        UPDATE spo.store_leases x
        SET holder = session_user, client_id = p_client, epoch = l.epoch + 1, acquired_at = now(),
            renewed_at = now(), expires_at = now() + ttl
        WHERE x.team_id = me.team_id AND x.store_id = p_store;
        PERFORM pg_notify('spo_team_' || replace(me.team_id::text, '-', ''), '');
        RETURN QUERY SELECT true, l.epoch + 1, p_ttl_ms::bigint, session_user, me.name;
    ELSE
        RETURN QUERY
        SELECT false, l.epoch, (extract(epoch FROM l.expires_at - now()) * 1000)::bigint, l.holder,
               (SELECT s.name FROM spo.seats s WHERE s.db_role = l.holder);
    END IF;
END
$$;

-- Ends this seat's lease on a store now (quitting, handing the store to another seat).
CREATE FUNCTION api.release_lease(p_store text, p_client uuid) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    team uuid := (SELECT spo.my_team());
BEGIN
    UPDATE spo.store_leases x SET expires_at = least(x.expires_at, now())
    WHERE x.team_id = team AND x.store_id = p_store AND x.holder = session_user AND x.client_id = p_client
      AND x.expires_at > now();
    IF FOUND THEN
        PERFORM pg_notify('spo_team_' || replace(team::text, '-', ''), '');
    END IF;
    RETURN FOUND;
END
$$;

-- Right before a Salla write: does this seat still hold the store's lease with this epoch, and is
-- the team's kill switch off? (Both read from the team database, not from this seat's copy.)
CREATE FUNCTION api.check_fence(p_store text, p_client uuid, p_epoch bigint)
    RETURNS TABLE (holds boolean, kill_switch boolean)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM spo.store_leases x
                   WHERE x.team_id = (SELECT spo.my_team()) AND x.store_id = p_store AND x.holder = session_user
                     AND x.client_id = p_client AND x.epoch = p_epoch AND x.expires_at > now()),
           coalesce((SELECT r.data ->> 'value' = 'on' AND NOT r.deleted FROM spo.rows r
                     WHERE r.team_id = (SELECT spo.my_team()) AND r.tbl = 'settings' AND r.id = '/pricing.kill_switch'),
                    false)
$$;

-- Who runs each of the team's stores.
CREATE FUNCTION api.leases()
    RETURNS TABLE (store_id text, holder name, holder_seat text, epoch bigint, acquired_at timestamptz,
                   renewed_at timestamptz, expires_at timestamptz, live boolean)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT x.store_id, x.holder, (SELECT s.name FROM spo.seats s WHERE s.db_role = x.holder), x.epoch,
           x.acquired_at, x.renewed_at, x.expires_at, x.expires_at > now()
    FROM spo.store_leases x
    WHERE x.team_id = (SELECT spo.my_team())
    ORDER BY x.store_id
$$;

-- The seat that runs a store writes its catalogue, sales and observations: the holder of its
-- lease (the last one, even while its lease lapsed: a seat cut off pushes its imports when it is
-- back, unless another seat took the store over meanwhile); before any lease, the seat that
-- connected it.
CREATE OR REPLACE FUNCTION spo.runs_store(p_team uuid, p_store text) RETURNS boolean
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM spo.rows st
                   WHERE st.team_id = p_team AND st.tbl = 'stores' AND st.id = p_store AND NOT st.deleted)
       AND coalesce((SELECT x.holder = session_user FROM spo.store_leases x
                     WHERE x.team_id = p_team AND x.store_id = p_store),
                    EXISTS (SELECT 1 FROM spo.rows st
                            WHERE st.team_id = p_team AND st.tbl = 'stores' AND st.id = p_store
                              AND st.created_by = session_user))
$$;

REVOKE ALL ON FUNCTION api.acquire_lease(text, uuid, integer), api.release_lease(text, uuid),
    api.check_fence(text, uuid, bigint), api.leases() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.acquire_lease(text, uuid, integer), api.release_lease(text, uuid),
    api.check_fence(text, uuid, bigint), api.leases() TO spo_seat;

RESET ROLE;
