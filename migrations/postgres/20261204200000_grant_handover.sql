-- Moving a store to another seat with its Salla grant, sealed: each seat publishes the public half
-- of a key pair whose private half stays in its OS keychain; the seat running the store seals the
-- grant to the receiving seat's public key and leaves it here; the receiver takes it (the row is
-- deleted as it is read) and opens it. Nothing readable by anyone else is ever stored: not by the
-- other seats, not by the database's owner.

SET ROLE spo_owner;

ALTER TABLE spo.seats ADD COLUMN public_key bytea CHECK (public_key IS NULL OR length(public_key) = 32);

CREATE TABLE spo.grant_offers (
    team_id     uuid NOT NULL,
    store_id    text NOT NULL,
    to_role     name NOT NULL,
    from_role   name NOT NULL,
    sealed      bytea NOT NULL CHECK (length(sealed) BETWEEN 48 AND 8192),
    offered_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, store_id)
);
ALTER TABLE spo.grant_offers ENABLE ROW LEVEL SECURITY;
ALTER TABLE spo.grant_offers FORCE ROW LEVEL SECURITY;
CREATE POLICY grant_offers_of_my_team ON spo.grant_offers TO spo_owner
    USING (team_id = (SELECT spo.my_team())) WITH CHECK (team_id = (SELECT spo.my_team()));

-- Publishes this seat's public key (X25519, 32 bytes).
CREATE FUNCTION api.set_seat_key(p_key bytea) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_key IS NULL OR length(p_key) <> 32 THEN
        RAISE EXCEPTION 'a seat key is 32 bytes' USING ERRCODE = '22023';
    END IF;
    UPDATE spo.seats s SET public_key = p_key WHERE s.db_role = session_user AND s.revoked_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'this login is not a seat of any team (it may have been revoked)' USING ERRCODE = '42501';
    END IF;
END
$$;

-- The team's seats that can receive a store (owners and managers with a published key).
CREATE FUNCTION api.seat_keys() RETURNS TABLE (db_role name, name text, role text, public_key bytea)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT s.db_role, s.name, s.role, s.public_key FROM spo.seats s
    WHERE s.team_id = (SELECT spo.my_team()) AND s.revoked_at IS NULL AND s.role <> 'viewer'
      AND s.public_key IS NOT NULL
    ORDER BY s.name
$$;

-- Leaves a sealed grant for seat p_to. Only the seat holding the store's lease hands it over.
CREATE FUNCTION api.offer_grant(p_store text, p_client uuid, p_to name, p_sealed bytea) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    team uuid := (SELECT spo.my_team());
BEGIN
    IF team IS NULL THEN
        RAISE EXCEPTION 'this login is not a seat of any team (it may have been revoked)' USING ERRCODE = '42501';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM spo.store_leases x WHERE x.team_id = team AND x.store_id = p_store
                   AND x.holder = session_user AND x.client_id = p_client AND x.expires_at > now()) THEN
        RAISE EXCEPTION 'only the seat running this store hands it over' USING ERRCODE = '42501';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM spo.seats s WHERE s.team_id = team AND s.db_role = p_to AND s.revoked_at IS NULL
                   AND s.role <> 'viewer' AND s.public_key IS NOT NULL) THEN
        RAISE EXCEPTION 'that seat cannot receive a store (not on the team, a viewer, or no key yet)' USING ERRCODE = '22023';
    END IF;
    INSERT INTO spo.grant_offers AS g (team_id, store_id, to_role, from_role, sealed)
    VALUES (team, p_store, p_to, session_user, p_sealed)
    ON CONFLICT (team_id, store_id) DO UPDATE
        SET to_role = excluded.to_role, from_role = excluded.from_role, sealed = excluded.sealed, offered_at = now();
    PERFORM pg_notify('spo_team_' || replace(team::text, '-', ''), '');
END
$$;

-- Takes the sealed grant left for this seat (deleted as it is read); NULL when there is none.
CREATE FUNCTION api.take_grant(p_store text) RETURNS bytea
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    DELETE FROM spo.grant_offers g
    WHERE g.team_id = (SELECT spo.my_team()) AND g.store_id = p_store AND g.to_role = session_user
    RETURNING g.sealed
$$;

REVOKE ALL ON FUNCTION api.set_seat_key(bytea), api.seat_keys(), api.offer_grant(text, uuid, name, bytea),
    api.take_grant(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.set_seat_key(bytea), api.seat_keys(), api.offer_grant(text, uuid, name, bytea),
    api.take_grant(text) TO spo_seat;

RESET ROLE;
