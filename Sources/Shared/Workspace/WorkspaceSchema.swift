/// The workspace's numbered migrations. Version N is applied once, in order, recorded in `PRAGMA user_version`.
///
/// Never edit a released migration: add the next number.
enum WorkspaceSchema {
    static let migrations: [String] = [
        // 1: sources, quarantine, identity, features.
        """
        CREATE TABLE workspace_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE ingest_file (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            path TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            options TEXT NOT NULL,
            rows_read INTEGER NOT NULL,
            accepted INTEGER NOT NULL,
            rejected INTEGER NOT NULL,
            ingested_at TEXT NOT NULL,
            UNIQUE (kind, content_hash, options)
        );
        CREATE TABLE rejected_row (
            id INTEGER PRIMARY KEY,
            file_id INTEGER NOT NULL REFERENCES ingest_file(id),
            line INTEGER NOT NULL,
            column_name TEXT,
            reason TEXT NOT NULL,
            raw TEXT
        );
        CREATE INDEX rejected_row_file ON rejected_row(file_id, line);
        CREATE TABLE customer_record (
            source TEXT NOT NULL,
            source_id TEXT NOT NULL,
            email TEXT, phone TEXT, loyalty_id TEXT,
            first_name TEXT, last_name TEXT, gender TEXT, birth_date TEXT,
            street TEXT, postcode TEXT, city TEXT,
            file_id INTEGER NOT NULL REFERENCES ingest_file(id),
            line INTEGER NOT NULL,
            PRIMARY KEY (source, source_id)
        );
        CREATE TABLE txn (
            id INTEGER PRIMARY KEY,
            file_id INTEGER NOT NULL REFERENCES ingest_file(id),
            source TEXT NOT NULL,
            customer_id TEXT NOT NULL,
            ts INTEGER NOT NULL,
            channel INTEGER NOT NULL,
            store_id TEXT,
            order_id TEXT NOT NULL,
            sku TEXT NOT NULL,
            department TEXT NOT NULL,
            quantity INTEGER NOT NULL,
            amount_cents INTEGER NOT NULL,
            discounted INTEGER NOT NULL
        );
        CREATE TABLE event (
            id INTEGER PRIMARY KEY,
            file_id INTEGER NOT NULL REFERENCES ingest_file(id),
            source TEXT NOT NULL,
            customer_id TEXT NOT NULL,
            ts INTEGER NOT NULL,
            kind INTEGER NOT NULL,
            sku TEXT,
            department TEXT
        );
        CREATE TABLE product (
            sku TEXT PRIMARY KEY,
            name TEXT,
            department TEXT NOT NULL,
            price_cents INTEGER,
            arrival_ts INTEGER,
            file_id INTEGER NOT NULL REFERENCES ingest_file(id),
            line INTEGER NOT NULL
        );
        CREATE TABLE person_link (
            source TEXT NOT NULL,
            source_id TEXT NOT NULL,
            person_id INTEGER NOT NULL,
            rule TEXT NOT NULL,
            PRIMARY KEY (source, source_id)
        );
        CREATE INDEX person_link_person ON person_link(person_id);
        CREATE TABLE feature_set (
            id INTEGER PRIMARY KEY,
            as_of INTEGER NOT NULL,
            row_count INTEGER NOT NULL,
            column_count INTEGER NOT NULL,
            shard_rows INTEGER NOT NULL,
            layout TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE feature_column (
            set_id INTEGER NOT NULL REFERENCES feature_set(id),
            col INTEGER NOT NULL,
            name TEXT NOT NULL,
            mean REAL NOT NULL,
            std REAL NOT NULL,
            PRIMARY KEY (set_id, col)
        );
        CREATE TABLE feature_shard (
            set_id INTEGER NOT NULL REFERENCES feature_set(id),
            shard INTEGER NOT NULL,
            row_start INTEGER NOT NULL,
            row_count INTEGER NOT NULL,
            column_stride INTEGER NOT NULL,
            checksum TEXT NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (set_id, shard)
        );
        """,
        // 2: the distinct customer ids transactions and events refer to, kept at ingest, so resolution
        // finds ids without a customer record without scanning every transaction and event.
        """
        CREATE TABLE customer_ref (
            source TEXT NOT NULL,
            customer_id TEXT NOT NULL,
            PRIMARY KEY (source, customer_id)
        ) WITHOUT ROWID;
        INSERT OR IGNORE INTO customer_ref (source, customer_id)
            SELECT source, customer_id FROM txn UNION SELECT source, customer_id FROM event;
        """,
        // 3: jobs run on this workspace (embedded or through a coordinator) and their results.
        """
        CREATE TABLE job (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            parameters TEXT NOT NULL,
            state TEXT NOT NULL,
            mode TEXT NOT NULL,
            submitted_at INTEGER NOT NULL,
            finished_at INTEGER,
            feature_set INTEGER,
            result BLOB,
            error TEXT
        );
        """,
        // 4: each person's cluster for every finished cluster job (queryable with any SQLite tool).
        """
        CREATE TABLE cluster_assignment (
            job_id TEXT NOT NULL,
            person_id INTEGER NOT NULL,
            cluster INTEGER NOT NULL,
            PRIMARY KEY (job_id, person_id)
        ) WITHOUT ROWID;
        """,
        // 5: churn: imported label sets, trained models (versioned binary format) and per-person scores.
        """
        CREATE TABLE churn_label_set (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            imported_at INTEGER NOT NULL,
            people INTEGER NOT NULL,
            churned INTEGER NOT NULL
        );
        CREATE TABLE churn_label (
            set_id INTEGER NOT NULL REFERENCES churn_label_set(id),
            person_id INTEGER NOT NULL,
            label INTEGER NOT NULL CHECK (label IN (0, 1)),
            PRIMARY KEY (set_id, person_id)
        ) WITHOUT ROWID;
        CREATE TABLE churn_model (
            id INTEGER PRIMARY KEY,
            job_id TEXT NOT NULL UNIQUE,
            trained_at INTEGER NOT NULL,
            feature_set INTEGER NOT NULL,
            format_version INTEGER NOT NULL,
            trees INTEGER NOT NULL,
            oob_auc REAL,
            holdout_auc REAL,
            model BLOB NOT NULL
        );
        CREATE TABLE churn_score (
            job_id TEXT NOT NULL,
            person_id INTEGER NOT NULL,
            model_id INTEGER NOT NULL,
            probability REAL NOT NULL,
            tier TEXT NOT NULL,
            PRIMARY KEY (job_id, person_id)
        ) WITHOUT ROWID;
        """,
        // 6: recommendations: the items of a run, each item's indicators (the most telling history
        // items by log-likelihood ratio, per kind) and every person's top suggestions.
        """
        CREATE TABLE rec_item (
            job_id TEXT NOT NULL,
            item INTEGER NOT NULL,
            name TEXT NOT NULL,
            department TEXT NOT NULL,
            popularity INTEGER NOT NULL,
            PRIMARY KEY (job_id, item)
        ) WITHOUT ROWID;
        CREATE TABLE rec_indicator (
            job_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            item INTEGER NOT NULL,
            rank INTEGER NOT NULL,
            other INTEGER NOT NULL,
            llr REAL NOT NULL,
            PRIMARY KEY (job_id, kind, item, rank)
        ) WITHOUT ROWID;
        CREATE TABLE recommendation (
            job_id TEXT NOT NULL,
            person_id INTEGER NOT NULL,
            rank INTEGER NOT NULL,
            item INTEGER NOT NULL,
            score REAL NOT NULL,
            backfill INTEGER NOT NULL,
            PRIMARY KEY (job_id, person_id, rank)
        ) WITHOUT ROWID;
        """,
        // 7: saved segments: a name and its rule, in the rule language (segment(name) may refer to others).
        """
        CREATE TABLE segment (
            name TEXT PRIMARY KEY,
            rule TEXT NOT NULL,
            saved_at INTEGER NOT NULL
        );
        """,
        // 8: a cluster job's spec as queued, so a job whose Redis record was lost (a restart without
        // persistence, a flush) is queued again from the workspace instead of vanishing.
        """
        ALTER TABLE job ADD COLUMN spec BLOB;
        """,
        // 9: stable person ids. `person` holds every id ever given (merged ids are kept, retired);
        // each resolve that changes who is who is a new identity generation, and its merges and splits
        // are in `person_history`. A feature set records the generation and the person id of each row.
        // A workspace resolved before: its people as they are now become generation 1; feature sets
        // built before carry no generation (they may predate that resolve) and are refused where rows
        // meet contacts.
        """
        CREATE TABLE person (
            id INTEGER PRIMARY KEY,
            created_generation INTEGER NOT NULL,
            merged_into INTEGER,
            retired_generation INTEGER
        );
        CREATE TABLE identity_generation (
            generation INTEGER PRIMARY KEY,
            resolved_at INTEGER NOT NULL,
            records INTEGER NOT NULL,
            people INTEGER NOT NULL,
            created INTEGER NOT NULL,
            merged INTEGER NOT NULL,
            split INTEGER NOT NULL
        );
        CREATE TABLE person_history (
            id INTEGER PRIMARY KEY,
            generation INTEGER NOT NULL REFERENCES identity_generation(generation),
            at INTEGER NOT NULL,
            event TEXT NOT NULL CHECK (event IN ('merge', 'split')),
            person_id INTEGER NOT NULL,
            other_id INTEGER NOT NULL,
            records INTEGER NOT NULL,
            reason TEXT NOT NULL
        );
        CREATE INDEX person_history_person ON person_history(person_id);
        CREATE INDEX person_history_other ON person_history(other_id);
        ALTER TABLE feature_set ADD COLUMN identity_generation INTEGER;
        ALTER TABLE feature_set ADD COLUMN person_ids BLOB;
        INSERT INTO identity_generation (generation, resolved_at, records, people, created, merged, split)
            SELECT 1, CAST(strftime('%s', 'now') AS INTEGER), count(*), count(DISTINCT person_id), count(DISTINCT person_id), 0, 0
            FROM person_link HAVING count(*) > 0;
        INSERT INTO person (id, created_generation) SELECT DISTINCT person_id, 1 FROM person_link;
        """,
        // 10: the rest of a customer's address, and field warnings: a row whose optional field does not
        // parse is kept without that field, and the field is quarantined here (file, line, column).
        """
        ALTER TABLE customer_record ADD COLUMN street_number TEXT;
        ALTER TABLE customer_record ADD COLUMN address_line_2 TEXT;
        ALTER TABLE customer_record ADD COLUMN region TEXT;
        ALTER TABLE customer_record ADD COLUMN country TEXT;
        ALTER TABLE ingest_file ADD COLUMN warnings INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE field_warning (
            id INTEGER PRIMARY KEY,
            file_id INTEGER NOT NULL REFERENCES ingest_file(id),
            line INTEGER NOT NULL,
            column_name TEXT NOT NULL,
            reason TEXT NOT NULL,
            value TEXT
        );
        CREATE INDEX field_warning_file ON field_warning(file_id, line);
        """,
        // 11: probabilistic matching's memory: the model the last probabilistic resolve linked with
        // (m, u and λ, and its thresholds), the pairs it left in the review band, and people's decisions
        // on pairs of records (same or different person), which override the model from then on.
        // A pair is stored with its records in (source, source_id) order.
        """
        CREATE TABLE match_model (
            id INTEGER PRIMARY KEY,
            generation INTEGER NOT NULL,
            fitted_at INTEGER NOT NULL,
            link_threshold REAL NOT NULL,
            review_threshold REAL NOT NULL,
            candidates INTEGER NOT NULL,
            model BLOB NOT NULL
        );
        CREATE TABLE match_review (
            source_a TEXT NOT NULL,
            source_id_a TEXT NOT NULL,
            source_b TEXT NOT NULL,
            source_id_b TEXT NOT NULL,
            probability REAL NOT NULL,
            weight REAL NOT NULL,
            PRIMARY KEY (source_a, source_id_a, source_b, source_id_b)
        ) WITHOUT ROWID;
        CREATE TABLE match_label (
            source_a TEXT NOT NULL,
            source_id_a TEXT NOT NULL,
            source_b TEXT NOT NULL,
            source_id_b TEXT NOT NULL,
            same INTEGER NOT NULL CHECK (same IN (0, 1)),
            labelled_at INTEGER NOT NULL,
            PRIMARY KEY (source_a, source_id_a, source_b, source_id_b)
        ) WITHOUT ROWID;
        """,
        // 12: the blocking index incremental resolves compare new and changed records against: per
        // record, a checksum of its compared fields, of its person under the exact keys, and its key
        // under each blocking rule (64-bit values stored as their signed bit pattern); and every pair
        // of records scored at or above the review threshold, with its comparison pattern. The model
        // row records the largest block the index was built with.
        """
        CREATE TABLE match_record (
            source TEXT NOT NULL,
            source_id TEXT NOT NULL,
            digest INTEGER NOT NULL,
            person INTEGER NOT NULL,
            key_0 INTEGER,
            key_1 INTEGER,
            key_2 INTEGER,
            PRIMARY KEY (source, source_id)
        ) WITHOUT ROWID;
        CREATE TABLE match_pair (
            source_a TEXT NOT NULL,
            source_id_a TEXT NOT NULL,
            source_b TEXT NOT NULL,
            source_id_b TEXT NOT NULL,
            pattern INTEGER NOT NULL,
            PRIMARY KEY (source_a, source_id_a, source_b, source_id_b)
        ) WITHOUT ROWID;
        ALTER TABLE match_model ADD COLUMN max_block INTEGER;
        """,
        // 13: the review band is read from match_pair (the pairs between the thresholds that no label
        // decides): a second copy of up to every candidate pair was most of a resolve's writes.
        """
        DROP TABLE match_review;
        """,
        // 14: a fourth blocking rule (the last name); an index without its keys belongs to a model of
        // the names' older levels, which a resolve refits, rewriting the index.
        """
        ALTER TABLE match_record ADD COLUMN key_3 INTEGER;
        """,
        // 15: what an incremental resolve starts from. identity_key: every record's normalized exact
        // keys (kind 0 e-mail, 1 loyalty id, 2 phone) as the last resolve read them, so the records
        // sharing a key are found without reading every record; the blocking index is searched by
        // block key and pairs by either record, so a block's members and a record's pairs are found too. identity_change: a log of the records
        // whose identifying fields, existence or labels changed since, with the raw e-mail, phone and
        // loyalty id they had before the change (so the keys a record gave up are known). Triggers append
        // to it, so no writer can forget it, while there is an index to keep (a first load logs nothing);
        // duplicates are allowed, and a resolve empties it.
        """
        CREATE TABLE identity_key (
            kind INTEGER NOT NULL,
            value TEXT NOT NULL,
            source TEXT NOT NULL,
            source_id TEXT NOT NULL,
            PRIMARY KEY (kind, value, source, source_id)
        ) WITHOUT ROWID;
        \(BulkIndexes.create(BulkIndexes.blockingIndex))
        CREATE TABLE identity_change (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            source_id TEXT NOT NULL,
            email TEXT,
            phone TEXT,
            loyalty_id TEXT
        );
        CREATE TRIGGER identity_change_customer_insert AFTER INSERT ON customer_record
        WHEN (SELECT 1 FROM workspace_info WHERE key = 'identity_index') IS NOT NULL BEGIN
            INSERT INTO identity_change (source, source_id) VALUES (NEW.source, NEW.source_id);
        END;
        CREATE TRIGGER identity_change_customer_update AFTER UPDATE ON customer_record
        WHEN (SELECT 1 FROM workspace_info WHERE key = 'identity_index') IS NOT NULL AND (OLD.source IS NOT NEW.source OR OLD.source_id IS NOT NEW.source_id OR OLD.email IS NOT NEW.email
            OR OLD.phone IS NOT NEW.phone OR OLD.loyalty_id IS NOT NEW.loyalty_id OR OLD.first_name IS NOT NEW.first_name
            OR OLD.last_name IS NOT NEW.last_name OR OLD.birth_date IS NOT NEW.birth_date OR OLD.street IS NOT NEW.street
            OR OLD.postcode IS NOT NEW.postcode OR OLD.city IS NOT NEW.city OR OLD.street_number IS NOT NEW.street_number
            OR OLD.address_line_2 IS NOT NEW.address_line_2 OR OLD.region IS NOT NEW.region OR OLD.country IS NOT NEW.country)
        BEGIN
            INSERT INTO identity_change (source, source_id, email, phone, loyalty_id)
                VALUES (OLD.source, OLD.source_id, OLD.email, OLD.phone, OLD.loyalty_id), (NEW.source, NEW.source_id, NULL, NULL, NULL);
        END;
        CREATE TRIGGER identity_change_customer_delete AFTER DELETE ON customer_record
        WHEN (SELECT 1 FROM workspace_info WHERE key = 'identity_index') IS NOT NULL BEGIN
            INSERT INTO identity_change (source, source_id, email, phone, loyalty_id)
                VALUES (OLD.source, OLD.source_id, OLD.email, OLD.phone, OLD.loyalty_id);
        END;
        CREATE TRIGGER identity_change_ref_insert AFTER INSERT ON customer_ref
        WHEN (SELECT 1 FROM workspace_info WHERE key = 'identity_index') IS NOT NULL BEGIN
            INSERT INTO identity_change (source, source_id) VALUES (NEW.source, NEW.customer_id);
        END;
        CREATE TRIGGER identity_change_ref_delete AFTER DELETE ON customer_ref
        WHEN (SELECT 1 FROM workspace_info WHERE key = 'identity_index') IS NOT NULL BEGIN
            INSERT INTO identity_change (source, source_id) VALUES (OLD.source, OLD.customer_id);
        END;
        CREATE TRIGGER identity_change_label_insert AFTER INSERT ON match_label
        WHEN (SELECT 1 FROM workspace_info WHERE key = 'identity_index') IS NOT NULL BEGIN
            INSERT INTO identity_change (source, source_id) VALUES (NEW.source_a, NEW.source_id_a), (NEW.source_b, NEW.source_id_b);
        END;
        CREATE TRIGGER identity_change_label_update AFTER UPDATE ON match_label
        WHEN (SELECT 1 FROM workspace_info WHERE key = 'identity_index') IS NOT NULL BEGIN
            INSERT INTO identity_change (source, source_id) VALUES (NEW.source_a, NEW.source_id_a), (NEW.source_b, NEW.source_id_b),
                (OLD.source_a, OLD.source_id_a), (OLD.source_b, OLD.source_id_b);
        END;
        CREATE TRIGGER identity_change_label_delete AFTER DELETE ON match_label
        WHEN (SELECT 1 FROM workspace_info WHERE key = 'identity_index') IS NOT NULL BEGIN
            INSERT INTO identity_change (source, source_id) VALUES (OLD.source_a, OLD.source_id_a), (OLD.source_b, OLD.source_id_b);
        END;
        """,
    ]
}
