/**
 * The log's schema, as an ordered list of migrations. PRAGMA user_version holds how many have
 * run, so a DB written by a newer nightshift is recognised and refused instead of misread.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE sessions (
    id              INTEGER PRIMARY KEY,
    status          TEXT NOT NULL CHECK (status IN ('running', 'stopped', 'finished')),
    started_at      TEXT NOT NULL,
    ended_at        TEXT,
    end_reason      TEXT,
    sandbox         TEXT NOT NULL,
    workspace       TEXT NOT NULL,
    command         TEXT NOT NULL,
    metric          TEXT NOT NULL,
    goal            TEXT NOT NULL CHECK (goal IN ('minimize', 'maximize')),
    proposer        TEXT NOT NULL,
    decision_rule   TEXT NOT NULL,
    budget_s        REAL NOT NULL,
    max_experiments INTEGER,
    options_json    TEXT NOT NULL,
    readonly_json   TEXT NOT NULL,
    baseline_commit TEXT,
    head_commit     TEXT,
    agent_pid       INTEGER,
    heartbeat_at    TEXT
  );

  CREATE TABLE experiments (
    id              INTEGER PRIMARY KEY,
    session_id      INTEGER NOT NULL REFERENCES sessions(id),
    kind            TEXT NOT NULL CHECK (kind IN
                      ('baseline', 'ablation', 'interaction', 'tweak', 'llm', 'confirm', 'control')),
    status          TEXT NOT NULL CHECK (status IN
                      ('queued', 'running', 'done', 'crashed', 'timeout', 'diverged', 'interrupted', 'rejected')),
    decision        TEXT CHECK (decision IN ('baseline', 'keep', 'revert', 'pending')),
    description     TEXT NOT NULL,
    hypothesis      TEXT,
    change_key      TEXT,
    spec_json       TEXT,
    diff            TEXT NOT NULL DEFAULT '',
    parent_id       INTEGER REFERENCES experiments(id),
    retry_of        INTEGER REFERENCES experiments(id),
    seed            INTEGER NOT NULL,
    min_runs        INTEGER NOT NULL DEFAULT 1,
    base_commit     TEXT NOT NULL,
    commit_sha      TEXT,
    metric          REAL,
    delta           REAL,
    noise_sd        REAL,
    p_value         REAL,
    ci_low          REAL,
    ci_high         REAL,
    n_runs          INTEGER,
    reason          TEXT,
    final_json      TEXT,
    backend         TEXT,
    proposer        TEXT NOT NULL,
    exit_code       INTEGER,
    signal          TEXT,
    log_path        TEXT,
    pid             INTEGER,
    created_at      TEXT NOT NULL,
    started_at      TEXT,
    ended_at        TEXT,
    propose_s       REAL,
    run_s           REAL,
    tokens_in       INTEGER NOT NULL DEFAULT 0,
    tokens_out      INTEGER NOT NULL DEFAULT 0,
    cost_usd        REAL NOT NULL DEFAULT 0
  );
  CREATE INDEX experiments_session ON experiments(session_id, id);
  CREATE INDEX experiments_parent ON experiments(parent_id);
  CREATE INDEX experiments_retry ON experiments(retry_of);

  CREATE TABLE metrics (
    experiment_id INTEGER NOT NULL REFERENCES experiments(id),
    step          INTEGER NOT NULL,
    name          TEXT NOT NULL,
    value         REAL,
    elapsed_s     REAL,
    PRIMARY KEY (experiment_id, name, step)
  ) WITHOUT ROWID;
  `,
  // v2: one row per LLM request. Turns are written as they happen (money spent is never lost),
  // grouped by proposal, and linked to the experiment once the loop has recorded it.
  `
  CREATE TABLE llm_turns (
    id                 INTEGER PRIMARY KEY,
    session_id         INTEGER NOT NULL REFERENCES sessions(id),
    experiment_id      INTEGER REFERENCES experiments(id),
    proposal           TEXT NOT NULL,
    speculative        INTEGER NOT NULL DEFAULT 0,
    attempt            INTEGER NOT NULL,
    turn               INTEGER NOT NULL,
    model              TEXT NOT NULL,
    request_id         TEXT,
    stop_reason        TEXT,
    input_tokens       INTEGER NOT NULL DEFAULT 0,
    output_tokens      INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens  INTEGER NOT NULL DEFAULT 0,
    cache_write_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd           REAL,
    latency_s          REAL NOT NULL,
    error              TEXT,
    created_at         TEXT NOT NULL
  );
  CREATE INDEX llm_turns_session ON llm_turns(session_id, id);
  CREATE INDEX llm_turns_experiment ON llm_turns(experiment_id);
  CREATE INDEX llm_turns_proposal ON llm_turns(proposal);
  `,
  // v3: indexes for the query commands on a log of 100,000 experiments (bench/query-latency.ts):
  // log --kept, --status and --since, across sessions or within one, without a full scan.
  `
  CREATE INDEX experiments_decision ON experiments(decision, session_id);
  CREATE INDEX experiments_status ON experiments(status, session_id);
  CREATE INDEX experiments_created ON experiments(created_at);
  `,
  // v4: sealed evaluation. Status 'invalid' (a run that broke a rule of the measurement) needs a
  // new CHECK, which SQLite can only get by rebuilding the table; the evaluation's final line and
  // time; each session's seal level and the hashes of its evaluation files; the step plans.
  `
  CREATE TABLE experiments_v4 (
    id              INTEGER PRIMARY KEY,
    session_id      INTEGER NOT NULL REFERENCES sessions(id),
    kind            TEXT NOT NULL CHECK (kind IN
                      ('baseline', 'ablation', 'interaction', 'tweak', 'llm', 'confirm', 'control')),
    status          TEXT NOT NULL CHECK (status IN
                      ('queued', 'running', 'done', 'crashed', 'timeout', 'diverged', 'interrupted', 'rejected', 'invalid')),
    decision        TEXT CHECK (decision IN ('baseline', 'keep', 'revert', 'pending')),
    description     TEXT NOT NULL,
    hypothesis      TEXT,
    change_key      TEXT,
    spec_json       TEXT,
    diff            TEXT NOT NULL DEFAULT '',
    parent_id       INTEGER REFERENCES experiments(id),
    retry_of        INTEGER REFERENCES experiments(id),
    seed            INTEGER NOT NULL,
    min_runs        INTEGER NOT NULL DEFAULT 1,
    base_commit     TEXT NOT NULL,
    commit_sha      TEXT,
    metric          REAL,
    delta           REAL,
    noise_sd        REAL,
    p_value         REAL,
    ci_low          REAL,
    ci_high         REAL,
    n_runs          INTEGER,
    reason          TEXT,
    final_json      TEXT,
    backend         TEXT,
    proposer        TEXT NOT NULL,
    exit_code       INTEGER,
    signal          TEXT,
    log_path        TEXT,
    pid             INTEGER,
    created_at      TEXT NOT NULL,
    started_at      TEXT,
    ended_at        TEXT,
    propose_s       REAL,
    run_s           REAL,
    tokens_in       INTEGER NOT NULL DEFAULT 0,
    tokens_out      INTEGER NOT NULL DEFAULT 0,
    cost_usd        REAL NOT NULL DEFAULT 0,
    eval_json       TEXT,
    eval_s          REAL
  );
  INSERT INTO experiments_v4 SELECT *, NULL, NULL FROM experiments;
  DROP TABLE experiments;
  ALTER TABLE experiments_v4 RENAME TO experiments;
  CREATE INDEX experiments_session ON experiments(session_id, id);
  CREATE INDEX experiments_parent ON experiments(parent_id);
  CREATE INDEX experiments_retry ON experiments(retry_of);
  CREATE INDEX experiments_decision ON experiments(decision, session_id);
  CREATE INDEX experiments_status ON experiments(status, session_id);
  CREATE INDEX experiments_created ON experiments(created_at);
  ALTER TABLE sessions ADD COLUMN seal TEXT NOT NULL DEFAULT 'self-reported'
    CHECK (seal IN ('sealed', 'separate', 'self-reported'));
  ALTER TABLE sessions ADD COLUMN evaluation_json TEXT;
  CREATE TABLE plans (
    session_id    INTEGER NOT NULL REFERENCES sessions(id),
    config        TEXT NOT NULL,
    budget_s      REAL NOT NULL,
    steps         INTEGER NOT NULL,
    experiment_id INTEGER NOT NULL REFERENCES experiments(id),
    PRIMARY KEY (session_id, config, budget_s)
  );
  `,
  // v5: decisions on real noise. How each verdict estimated its noise (the groups kept out, the
  // seed correlation, paired or not) as JSON beside noise_sd; which design a run belongs to
  // (NULL: one change at a time; 'factorial': a point of a fractional factorial design).
  `
  ALTER TABLE experiments ADD COLUMN noise_json TEXT;
  ALTER TABLE experiments ADD COLUMN design TEXT;
  `,
  // v6: what a watcher must see of the running agent: whether its user paused it (since when),
  // and the plan it printed as it started (the phases and the pace, as the plan event's JSON).
  `
  ALTER TABLE sessions ADD COLUMN paused_at TEXT;
  ALTER TABLE sessions ADD COLUMN plan_json TEXT;
  `,
  // v7: where a run through an executor ran: its node, and its GPUs (CUDA_VISIBLE_DEVICES) as a
  // JSON list. NULL for runs in the workspace. Readers take them from SELECT * and treat absent
  // as NULL, so a v6 log stays readable as it is (READABLE_FROM is not raised).
  `
  ALTER TABLE experiments ADD COLUMN node TEXT;
  ALTER TABLE experiments ADD COLUMN gpus TEXT;
  `,
  // v8: the model of the GPUs a run had (runs are compared only within one model), and its peak
  // memory in MiB (the GPU's when the script reports it, else the process's), read from its facts.
  // `log` names peak_mem_mb in its SQL, so a read-only command needs v8 (READABLE_FROM).
  `
  ALTER TABLE experiments ADD COLUMN gpu_model TEXT;
  ALTER TABLE experiments ADD COLUMN peak_mem_mb REAL;
  `,
  // v9: the delta an LLM proposer predicted for its change (submit_experiment's predicted_delta),
  // beside the delta the verdict observed, so its calibration can be shown back to it and in the
  // report. Readers take it from SELECT * and treat absent as NULL: READABLE_FROM is not raised.
  `
  ALTER TABLE experiments ADD COLUMN predicted_delta REAL;
  `,
  // v10: the research agenda an LLM proposer keeps (its write_plan tool): every version it wrote,
  // the latest given back to it at each proposal and shown in the dashboard and the report. A new
  // table that report reads, so READABLE_FROM is raised.
  `
  CREATE TABLE agendas (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES sessions(id),
    written_at  TEXT NOT NULL,
    proposer    TEXT NOT NULL,
    plan        TEXT NOT NULL
  );
  CREATE INDEX agendas_by_session ON agendas (session_id, id);
  `,
];

/**
 * The oldest schema a read-only command can use as it is: later migrations only add indexes.
 * Raise it with any migration that adds or changes a table or a column.
 */
export const READABLE_FROM = 10;
