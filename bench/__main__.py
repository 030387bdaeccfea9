from bench.foundation import main

raise SystemExit(main())
