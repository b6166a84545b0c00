# Taka — the two commands. Everything else is in scripts/.
#   make run    build and serve the portal on SQLite with demo data (http://127.0.0.1:3000)
#   make test   run every test: lints, unit, integration (SQLite and PostgreSQL), browser
#   make audit  RustSec and npm advisories (needs the network; not part of make test)
# Builds share one cargo target directory across clones, so a second clone builds fast.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/taka/target

.PHONY: run test setup bench audit
run:
	scripts/run.sh
test:
	scripts/test.sh
setup:
	scripts/setup.sh --browser
bench:
	bench/run.sh
audit:
	scripts/audit.sh
