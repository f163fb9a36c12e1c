from training.preflight.cli import main

raise SystemExit(main())
