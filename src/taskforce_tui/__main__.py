from taskforce_tui.cli import main

raise SystemExit(main())
