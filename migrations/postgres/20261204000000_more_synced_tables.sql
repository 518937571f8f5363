-- Team sync: more shared tables (daily sales, listing candidates, job-run summaries), and each
-- synced table's conflict rule in one place (spo.table_rule) instead of lists of table names in
-- api.push. A table the app starts to sync needs a line in spo.table_rule and nothing else.

SET ROLE spo_owner;

-- Every row's team is its seat's (api.push takes it from the seats table and the policies check
-- it); the foreign key added a trigger call per written row to bulk pushes for nothing.
ALTER TABLE spo.rows DROP CONSTRAINT rows_team_id_fkey;

-- The conflict rule of a synced table (NULL: not synced). Mirrors SYNCED_TABLES in
-- crates/domain/src/sync.rs (a test compares them):
--   store_seat         written only by the seat that runs the store's jobs (catalogue, sales)
--   store_seat_append  the same, and append-only (competitor observations)
--   compare_and_set    a stale edit is a conflict (pricing rules)
--   transitions        decisions move along their state machine only
--   append             inserted once, never changed (audit, job-run summaries)
--   creator            later updates only by the seat that created it (optimization runs)
--   last_writer_wins   per field, by hybrid logical clock (stores, listings, candidates, settings)
-- (No SET search_path: it names no object, and without one the planner inlines it into the
-- statements of api.push instead of calling it once per change.)
CREATE FUNCTION spo.table_rule(p_tbl text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE p_tbl
        WHEN 'categories' THEN 'store_seat'
        WHEN 'products' THEN 'store_seat'
        WHEN 'variants' THEN 'store_seat'
        WHEN 'daily_sales' THEN 'store_seat'
        WHEN 'price_observations' THEN 'store_seat_append'
        WHEN 'pricing_rules' THEN 'compare_and_set'
        WHEN 'decisions' THEN 'transitions'
        WHEN 'audit_log' THEN 'append'
        WHEN 'job_run_summaries' THEN 'append'
        WHEN 'optimization_runs' THEN 'creator'
        WHEN 'stores' THEN 'last_writer_wins'
        WHEN 'competitor_listings' THEN 'last_writer_wins'
        WHEN 'listing_candidates' THEN 'last_writer_wins'
        WHEN 'settings' THEN 'last_writer_wins'
    END
$$;
REVOKE ALL ON FUNCTION spo.table_rule(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION spo.table_rule(text) TO spo_owner;

-- Does the calling seat (session_user) run this store, so that it writes the store's catalogue,
-- sales and observations? Here: the seat that connected it. Replaced when store leases arrive.
CREATE FUNCTION spo.runs_store(p_team uuid, p_store text) RETURNS boolean
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM spo.rows st
                   WHERE st.team_id = p_team AND st.tbl = 'stores' AND st.id = p_store AND NOT st.deleted
                     AND st.created_by = session_user)
$$;
REVOKE ALL ON FUNCTION spo.runs_store(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION spo.runs_store(uuid, text) TO spo_owner;

-- Apply a batch of mutations from one client, in one transaction. Each mutation:
--   {"mid": n, "tbl": t, "id": i, "op": "upsert"|"delete", "data": {...}, "hlc": h,
--    "base_version": v | null}
-- Answers, in order: {"mid", "status": "applied"|"duplicate"|"conflict"|"rejected", "seq"?,
-- "version"?, "reason"?, "current"?: the server's row when not applied}.
CREATE OR REPLACE FUNCTION api.push(p_client uuid, p_mutations jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me        spo.seats;
    cl        spo.clients;
    m         jsonb;
    mid       bigint;
    v_tbl     text;
    v_id      text;
    v_op      text;
    v_data    jsonb;
    v_hlc     text;
    v_store   text;
    v_rule    text;
    cur       spo.rows;
    answer    jsonb;
    answers   jsonb[] := '{}';
    new_seq   bigint;
    team_ver  bigint;
    first_ver bigint;
    kk        bigint;
    n         integer;
    prev_mid  bigint := 0;
    fast_ks   bigint[] := '{}';
    w_ks      bigint[];
    w_answers jsonb[];
    is_fast   boolean[];
    mids      bigint[];
    i         integer;
    applied   boolean := false;
    new_ver   bigint;
    slot_ver  bigint;
    live      spo.rows;
    f         text;
    merged    jsonb;
    fh        jsonb;
    won       boolean;
    v_fh      jsonb;
BEGIN
    SELECT s.* INTO me FROM spo.seats s WHERE s.db_role = session_user AND s.revoked_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'this login is not a seat of any team (it may have been revoked)'
            USING ERRCODE = '42501';
    END IF;
    IF jsonb_typeof(p_mutations) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'mutations must be a JSON array' USING ERRCODE = '22023';
    END IF;
    -- Serialise this team's pushes: change numbers are then handed out in commit order. The
    -- counter is written back once at the end (updating one row per change would build a chain
    -- of row versions that every later update in the transaction walks).
    SELECT t.version INTO team_ver FROM spo.teams t WHERE t.id = me.team_id FOR UPDATE;
    first_ver := team_ver;

    INSERT INTO spo.clients (team_id, client_id, db_role) VALUES (me.team_id, p_client, session_user)
        ON CONFLICT (team_id, client_id) DO NOTHING;
    SELECT c.* INTO cl FROM spo.clients c WHERE c.team_id = me.team_id AND c.client_id = p_client FOR UPDATE;
    IF cl.db_role <> session_user THEN
        RAISE EXCEPTION 'this client id belongs to another seat' USING ERRCODE = '42501';
    END IF;

    n := jsonb_array_length(p_mutations);
    -- One pass over the batch: mutation ids are positive and increase within it (replays are
    -- recognised by them), and which changes take the fast path.
    --
    -- Change kk of the batch gets change number first_ver + kk whichever path applies it, so the
    -- feed keeps the batch's order (numbers of refused changes are simply not used).
    --
    -- Fast path: rows of the store's seat (catalogue, daily sales) that no other change of this
    -- batch touches are checked and written in one statement below, after the other changes
    -- (a store added by this batch is then in place).
    SELECT count(*) FILTER (WHERE x.mid IS NULL OR x.mid <= coalesce(x.prev, 0)), coalesce(max(x.mid), 0),
           coalesce(array_agg(x.mid ORDER BY x.k), '{}'), coalesce(array_agg(x.fast ORDER BY x.k), '{}'),
           coalesce(array_agg(x.k ORDER BY x.k) FILTER (WHERE x.fast), '{}')
      INTO i, prev_mid, mids, is_fast, fast_ks
      FROM (SELECT e.ordinality AS k, (e.value ->> 'mid')::bigint AS mid,
                   lag((e.value ->> 'mid')::bigint) OVER (ORDER BY e.ordinality) AS prev,
                   coalesce(me.role <> 'viewer' AND (e.value ->> 'mid')::bigint > cl.last_mutation_id
                     AND coalesce(e.value ->> 'op', 'upsert') = 'upsert'
                     AND spo.table_rule(e.value ->> 'tbl') = 'store_seat'
                     AND jsonb_typeof(e.value -> 'data') = 'object' AND e.value ->> 'id' IS NOT NULL
                     AND e.value -> 'data' ->> 'store_id' IS NOT NULL
                     AND count(*) OVER (PARTITION BY e.value ->> 'tbl', e.value ->> 'id') = 1, false) AS fast
            FROM jsonb_array_elements(p_mutations) WITH ORDINALITY e) x;
    IF i > 0 THEN
        RAISE EXCEPTION 'every mutation needs a positive "mid", increasing within the batch' USING ERRCODE = '22023';
    END IF;
    answers := array_fill(NULL::jsonb, ARRAY[greatest(n, 1)]);

    FOR m, kk IN SELECT e.value, e.ordinality FROM jsonb_array_elements(p_mutations) WITH ORDINALITY e
                 WHERE NOT is_fast[e.ordinality] LOOP
        mid := (m ->> 'mid')::bigint;
        IF mid <= cl.last_mutation_id THEN
            SELECT r.answer INTO answer FROM spo.refusals r
                WHERE r.team_id = me.team_id AND r.client_id = p_client AND r.mutation_id = mid;
            answers[kk] := coalesce(answer, jsonb_build_object('mid', mid, 'status', 'duplicate'));
            CONTINUE;
        END IF;
        v_tbl := m ->> 'tbl';
        v_id := m ->> 'id';
        v_op := coalesce(m ->> 'op', 'upsert');
        v_data := m -> 'data';
        v_hlc := coalesce(m ->> 'hlc', '');
        v_store := CASE WHEN v_tbl = 'stores' THEN v_id ELSE v_data ->> 'store_id' END;
        v_rule := spo.table_rule(v_tbl);
        answer := NULL;
        v_fh := NULL;
        SELECT r.* INTO cur FROM spo.rows r WHERE r.team_id = me.team_id AND r.tbl = v_tbl AND r.id = v_id FOR UPDATE;

        IF v_id IS NULL OR v_op NOT IN ('upsert', 'delete') OR (v_op = 'upsert' AND jsonb_typeof(v_data) IS DISTINCT FROM 'object') THEN
            answer := jsonb_build_object('status', 'rejected', 'reason', 'malformed mutation');
        ELSIF v_rule IS NULL THEN
            answer := jsonb_build_object('status', 'rejected', 'reason', format('%s is not a synced table', v_tbl));
        ELSIF me.role = 'viewer' THEN
            answer := jsonb_build_object('status', 'rejected', 'reason', 'viewer seats cannot change team data');
        ELSIF v_tbl NOT IN ('stores', 'settings') AND v_store IS NULL THEN
            answer := jsonb_build_object('status', 'rejected', 'reason', format('a %s row needs its store', v_tbl));
        ELSIF v_tbl <> 'stores' AND v_store IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM spo.rows r
                WHERE r.team_id = me.team_id AND r.tbl = 'stores' AND r.id = v_store AND NOT r.deleted) THEN
            answer := jsonb_build_object('status', 'rejected', 'reason', 'that store is not part of this team');
        ELSIF cur.deleted THEN
            -- A delete wins: nothing brings a deleted row back.
            answer := jsonb_build_object('status', 'conflict', 'reason', 'deleted by another seat');
        ELSIF v_rule IN ('store_seat', 'store_seat_append') THEN
            -- Catalogue, sales and observations: only the seat that runs the store writes them.
            IF NOT spo.runs_store(me.team_id, v_store) THEN
                answer := jsonb_build_object('status', 'rejected',
                    'reason', 'only the seat that runs this store''s jobs writes its catalogue, sales and observations');
            ELSIF v_rule = 'store_seat_append' AND cur.id IS NOT NULL THEN
                answer := jsonb_build_object('status', 'rejected', 'reason', 'observations are append-only');
            END IF;
        ELSIF v_rule = 'append' AND cur.id IS NOT NULL THEN
            answer := jsonb_build_object('status', 'rejected', 'reason', format('%s rows are append-only', v_tbl));
        ELSIF v_rule = 'creator' AND cur.id IS NOT NULL AND cur.created_by <> session_user THEN
            answer := jsonb_build_object('status', 'rejected', 'reason', 'a run is written only by the seat that ran it');
        ELSIF v_rule = 'transitions' AND cur.id IS NOT NULL AND v_op = 'upsert'
              AND NOT spo.decision_move_ok(cur.data ->> 'status', v_data ->> 'status') THEN
            answer := jsonb_build_object('status', 'conflict',
                'reason', format('the decision is %s on the team; it cannot become %s', cur.data ->> 'status', v_data ->> 'status'));
        ELSIF v_rule = 'compare_and_set' AND v_op = 'upsert' THEN
            -- Compare-and-set per rule target (store, scope, category, product): the app replaces
            -- a rule by retiring its row and adding a row with the next version, so a new row must
            -- carry exactly the team's newest version + 1, and a retired row stays retired.
            IF cur.id IS NOT NULL THEN
                IF cur.data ->> 'deleted_at' IS NOT NULL THEN
                    answer := jsonb_build_object('status', 'conflict', 'reason', 'the rule was already replaced on the team');
                END IF;
            ELSE
                SELECT max((r.data ->> 'version')::bigint) INTO slot_ver FROM spo.rows r
                WHERE r.team_id = me.team_id AND r.tbl = 'pricing_rules' AND r.store_id = v_store
                  AND (r.data ->> 'scope') IS NOT DISTINCT FROM (v_data ->> 'scope')
                  AND (r.data ->> 'category_id') IS NOT DISTINCT FROM (v_data ->> 'category_id')
                  AND (r.data ->> 'product_id') IS NOT DISTINCT FROM (v_data ->> 'product_id');
                SELECT r.* INTO live FROM spo.rows r
                WHERE r.team_id = me.team_id AND r.tbl = 'pricing_rules' AND r.store_id = v_store
                  AND (r.data ->> 'scope') IS NOT DISTINCT FROM (v_data ->> 'scope')
                  AND (r.data ->> 'category_id') IS NOT DISTINCT FROM (v_data ->> 'category_id')
                  AND (r.data ->> 'product_id') IS NOT DISTINCT FROM (v_data ->> 'product_id')
                  AND r.data ->> 'deleted_at' IS NULL AND NOT r.deleted
                LIMIT 1;
                -- The new version must follow the team's newest one, and the rule it replaces must
                -- have been retired on the team (by this same edit, pushed just before it). A row
                -- that arrives already retired follows the same rule: it is either history from a
                -- first upload (in version order, nothing live) or an edit of a refused edit.
                IF coalesce((v_data ->> 'version')::bigint, 1) <> coalesce(slot_ver, 0) + 1 OR live.id IS NOT NULL THEN
                    SELECT r.* INTO live FROM spo.rows r
                    WHERE r.team_id = me.team_id AND r.tbl = 'pricing_rules' AND r.store_id = v_store
                      AND (r.data ->> 'scope') IS NOT DISTINCT FROM (v_data ->> 'scope')
                      AND (r.data ->> 'category_id') IS NOT DISTINCT FROM (v_data ->> 'category_id')
                      AND (r.data ->> 'product_id') IS NOT DISTINCT FROM (v_data ->> 'product_id')
                    ORDER BY (r.data ->> 'version')::bigint DESC LIMIT 1;
                    answer := jsonb_build_object('status', 'conflict', 'reason', 'the rule was changed by another seat',
                        'current', to_jsonb(live) - 'team_id');
                END IF;
            END IF;
        ELSIF v_rule = 'last_writer_wins' AND cur.id IS NOT NULL AND v_op = 'upsert' THEN
            -- Per-field last writer wins by hybrid logical clock (the device id in the clock text
            -- breaks ties; compared byte-wise). Only the fields the change touched take part.
            merged := cur.data;
            fh := coalesce(cur.field_hlc, '{}'::jsonb);
            won := false;
            FOR f IN SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(m -> 'fields') = 'array' THEN m -> 'fields'
                     ELSE (SELECT coalesce(jsonb_agg(k), '[]'::jsonb) FROM jsonb_object_keys(v_data) k) END) LOOP
                IF v_data ? f AND (coalesce(fh ->> f, '') COLLATE "C") < (v_hlc COLLATE "C") THEN
                    merged := jsonb_set(merged, ARRAY[f], v_data -> f);
                    fh := jsonb_set(fh, ARRAY[f], to_jsonb(v_hlc));
                    won := true;
                END IF;
            END LOOP;
            IF won THEN
                v_data := merged;
                v_fh := fh;
            ELSE
                answer := jsonb_build_object('status', 'conflict', 'reason', 'a later change from another seat wins');
            END IF;
        END IF;
        IF v_tbl = 'stores' AND me.role <> 'owner' AND cur.id IS NULL AND answer IS NULL THEN
            answer := jsonb_build_object('status', 'rejected', 'reason', 'only an owner adds stores to the team');
        END IF;

        IF answer IS NULL THEN
            new_seq := first_ver + kk;
            new_ver := CASE
                WHEN cur.id IS NULL THEN coalesce((v_data ->> 'version')::bigint, 1)
                ELSE cur.version + 1 END;
            IF v_op = 'delete' THEN
                INSERT INTO spo.rows AS r (team_id, tbl, id, store_id, data, version, hlc, deleted, seq, created_by, written_by)
                VALUES (me.team_id, v_tbl, v_id, v_store, coalesce(cur.data, '{}'::jsonb), new_ver, v_hlc, true, new_seq, session_user, session_user)
                ON CONFLICT (team_id, tbl, id) DO UPDATE
                    SET deleted = true, version = new_ver, hlc = v_hlc, seq = new_seq, written_by = session_user, written_at = now();
            ELSE
                IF v_rule = 'last_writer_wins' AND v_fh IS NULL THEN
                    SELECT jsonb_object_agg(k, v_hlc) INTO v_fh FROM jsonb_object_keys(v_data) k;
                END IF;
                INSERT INTO spo.rows AS r (team_id, tbl, id, store_id, data, version, hlc, field_hlc, deleted, seq, created_by, written_by)
                VALUES (me.team_id, v_tbl, v_id, v_store, v_data, new_ver, v_hlc, v_fh, false, new_seq, session_user, session_user)
                ON CONFLICT (team_id, tbl, id) DO UPDATE
                    SET data = v_data, version = new_ver, hlc = v_hlc, field_hlc = v_fh, seq = new_seq, store_id = v_store,
                        written_by = session_user, written_at = now();
            END IF;
            answer := jsonb_build_object('mid', mid, 'status', 'applied', 'seq', new_seq, 'version', new_ver);
            applied := true;
        ELSE
            answer := answer || jsonb_build_object('mid', mid);
            IF NOT answer ? 'current' AND cur.id IS NOT NULL THEN
                answer := answer || jsonb_build_object('current', to_jsonb(cur) - 'team_id');
            END IF;
            INSERT INTO spo.refusals (team_id, client_id, mutation_id, answer) VALUES (me.team_id, p_client, mid, answer);
        END IF;
        answers[kk] := answer;
    END LOOP;

    IF cardinality(fast_ks) > 0 THEN
        WITH fast AS (
            SELECT e.ordinality AS k, e.value ->> 'tbl' AS tbl, e.value ->> 'id' AS id, e.value -> 'data' AS data,
                   coalesce(e.value ->> 'hlc', '') AS hlc
            FROM jsonb_array_elements(p_mutations) WITH ORDINALITY e
            WHERE is_fast[e.ordinality]
        ), stores_run AS (
            -- Asked once per store of the batch, not once per change.
            SELECT b.store FROM (SELECT DISTINCT f.data ->> 'store_id' AS store FROM fast f) b
            WHERE spo.runs_store(me.team_id, b.store)
        ), allowed AS (
            SELECT f.* FROM fast f JOIN stores_run o ON o.store = f.data ->> 'store_id'
        ), written AS (
            INSERT INTO spo.rows AS r (team_id, tbl, id, store_id, data, version, hlc, deleted, seq, created_by, written_by)
            SELECT me.team_id, a.tbl, a.id, a.data ->> 'store_id', a.data, 1, a.hlc, false, first_ver + a.k,
                   session_user, session_user
            FROM allowed a
            ON CONFLICT (team_id, tbl, id) DO UPDATE
                SET data = excluded.data, version = r.version + 1, hlc = excluded.hlc, seq = excluded.seq,
                    store_id = excluded.store_id, written_by = excluded.written_by, written_at = now()
                -- A delete wins: a tombstone is left alone (that change is answered as a conflict below).
                WHERE NOT r.deleted
            RETURNING r.seq, r.version
        )
        SELECT array_agg(w.seq - first_ver),
               array_agg(jsonb_build_object('mid', mids[w.seq - first_ver], 'status', 'applied', 'seq', w.seq,
                                            'version', w.version))
          INTO w_ks, w_answers FROM written w;
        applied := applied OR w_ks IS NOT NULL;
        FOR i IN 1 .. coalesce(cardinality(w_ks), 0) LOOP
            answers[w_ks[i]] := w_answers[i];
        END LOOP;
        -- The fast changes not written: not this seat's store, or a tombstone.
        FOREACH kk IN ARRAY CASE WHEN coalesce(cardinality(w_ks), 0) = cardinality(fast_ks) THEN '{}'::bigint[]
                                 ELSE fast_ks END LOOP
            mid := mids[kk];
            IF answers[kk] IS NULL THEN
                SELECT r.* INTO cur FROM spo.rows r
                WHERE r.team_id = me.team_id AND r.tbl = p_mutations -> (kk::integer - 1) ->> 'tbl'
                  AND r.id = p_mutations -> (kk::integer - 1) ->> 'id';
                answer := CASE WHEN cur.deleted
                    THEN jsonb_build_object('mid', mid, 'status', 'conflict', 'reason', 'deleted by another seat')
                    ELSE jsonb_build_object('mid', mid, 'status', 'rejected',
                        'reason', 'only the seat that runs this store''s jobs writes its catalogue, sales and observations')
                    END;
                IF cur.id IS NOT NULL THEN
                    answer := answer || jsonb_build_object('current', to_jsonb(cur) - 'team_id');
                END IF;
                INSERT INTO spo.refusals (team_id, client_id, mutation_id, answer) VALUES (me.team_id, p_client, mid, answer);
                answers[kk] := answer;
            END IF;
        END LOOP;
    END IF;
    IF applied THEN
        -- This batch's change numbers are taken (those of refused changes stay unused).
        team_ver := first_ver + n;
    END IF;
    cl.last_mutation_id := greatest(cl.last_mutation_id, prev_mid);

    UPDATE spo.clients c SET last_mutation_id = cl.last_mutation_id, last_push_at = now()
    WHERE c.team_id = me.team_id AND c.client_id = p_client;
    UPDATE spo.teams t SET version = team_ver WHERE t.id = me.team_id AND t.version <> team_ver;
    -- A large batch (a first upload, a catalogue import) changes the table's size by a lot: fresh
    -- statistics keep the row lookups above on the primary key for the next batches (with stale
    -- ones the planner can pick the feed index and scan the team's rows for every change).
    IF team_ver - first_ver >= 500
       AND (SELECT c.reltuples FROM pg_class c WHERE c.oid = 'spo.rows'::regclass) < team_ver / 2 THEN
        ANALYZE spo.rows;
    END IF;
    IF n > 0 THEN
        PERFORM pg_notify('spo_team_' || replace(me.team_id::text, '-', ''), '');
    END IF;
    RETURN CASE WHEN n = 0 THEN '[]'::jsonb ELSE to_jsonb(answers) END;
END
$$;


RESET ROLE;
