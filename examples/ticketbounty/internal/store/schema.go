package store

// schema creates every table; it is idempotent.
const schema = `
CREATE TABLE IF NOT EXISTS users (
	id          TEXT PRIMARY KEY,
	email       TEXT NOT NULL UNIQUE,
	name        TEXT NOT NULL,
	role        TEXT NOT NULL DEFAULT 'customer', -- customer | agent | admin
	verified_at TEXT,
	onboarding  TEXT NOT NULL DEFAULT 'pending',  -- pending | verified | reminded
	created_at  TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS password_resets (
	token      TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users(id),
	created_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS tickets (
	id           TEXT PRIMARY KEY,
	customer_id  TEXT NOT NULL REFERENCES users(id),
	title        TEXT NOT NULL,
	body         TEXT NOT NULL,
	bounty_cents INTEGER NOT NULL,
	status       TEXT NOT NULL DEFAULT 'open', -- open | assigned | rejected | paid
	assignee_id  TEXT REFERENCES users(id),
	created_at   TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS comments (
	id         TEXT PRIMARY KEY,
	ticket_id  TEXT NOT NULL REFERENCES tickets(id),
	author_id  TEXT NOT NULL REFERENCES users(id),
	body       TEXT NOT NULL,
	created_at TEXT NOT NULL
);

-- One row per real charge. The UNIQUE key is what makes a retried charge
-- harmless: the provider inserts with ON CONFLICT and returns the first row.
CREATE TABLE IF NOT EXISTS charges (
	id              TEXT PRIMARY KEY,
	idempotency_key TEXT NOT NULL UNIQUE,
	user_id         TEXT NOT NULL,
	ticket_id       TEXT NOT NULL,
	amount_cents    INTEGER NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 1, -- provider calls with this key
	created_at      TEXT NOT NULL
);

-- Everything the app "sent": e-mails and Discord messages.
CREATE TABLE IF NOT EXISTS outbox (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	id         TEXT NOT NULL UNIQUE,
	channel    TEXT NOT NULL, -- email | discord
	recipient  TEXT NOT NULL, -- e-mail address or #channel
	user_id    TEXT NOT NULL DEFAULT '',
	template   TEXT NOT NULL DEFAULT '',
	subject    TEXT NOT NULL DEFAULT '',
	body       TEXT NOT NULL,
	ref        TEXT NOT NULL DEFAULT '', -- what it is about: ticket, digest, payment id
	created_at TEXT NOT NULL
);

-- Runs that failed for good, recorded by the global failure handler.
CREATE TABLE IF NOT EXISTS failures (
	run_id      TEXT PRIMARY KEY,
	function_id TEXT NOT NULL,
	event_name  TEXT NOT NULL,
	error       TEXT NOT NULL,
	created_at  TEXT NOT NULL
);
`
