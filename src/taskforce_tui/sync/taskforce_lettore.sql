-- The `taskforce_lettore` role: reads the reporting views of the centre's database
-- (docs/sync.md, "Reporting views") and nothing else: no table, no sequence, no
-- function of ours, no right to create anything.
--
-- Run it as the owner of the centre's database (the user `taskforce centrale migra`
-- connected as), in that database, once after the migration and again whenever a new
-- version adds views:
--     psql "postgresql://proprietario@server/centrale" -f taskforce_lettore.sql
-- Then give the role to the people or tools that read, e.g.
--     CREATE ROLE metabase LOGIN PASSWORD '...' IN ROLE taskforce_lettore;
-- The views run with their owner's rights, so reading them needs no right on the
-- tables beneath.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'taskforce_lettore') THEN
        CREATE ROLE taskforce_lettore NOLOGIN;
    END IF;
END
$$;

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM taskforce_lettore;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM taskforce_lettore;
REVOKE ALL ON SCHEMA public FROM taskforce_lettore;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO taskforce_lettore;

GRANT SELECT ON vista_ore_mensili, vista_pratiche_aperte, vista_indicatori_semestrali,
    vista_interventi_per_area TO taskforce_lettore;
