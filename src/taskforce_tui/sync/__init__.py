"""End-of-day sync through a shared folder (docs/sync.md).

- `bundle`: the file format (ZIP with a manifest and JSON Lines members) and its checks.
- `fsio`: publishing a file without ever replacing one, quarantine, backups, crash points.
- `folder`: the layout of the shared folder.
- `merge`: the pure merge function (central state + outboxes -> decisions).
- `central`: the coordinator's side (its own local database, generations, extracts).
- `laptop`: the expert's side (export, import, `sync`, joining from a folder).
- `status`: counts for the Oggi screen, the conflict list and its resolution.

Nothing here imports Textual; modules are imported by the commands that need them.
"""
