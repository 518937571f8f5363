-- "Run now" asked by a process that does not run the scheduler (the window in standby beside
-- `spo daemon`, `spo jobs run`): the process that runs it takes the request at its next look.
ALTER TABLE jobs ADD COLUMN run_requested_at TEXT;
