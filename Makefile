# Qingshan: `make demo` and `make test` do all the set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PG_URL ?= postgres://postgres@127.0.0.1:5432/qingshan
DEMO_PROBLEMS ?= 20000
DEMO_SEED ?= 2026
BENCH_PROBLEMS ?= 1000000
# The demo's history ends yesterday (no event later than now), so "overdue" and 我的待办 look as they would on a live system.
DEMO_END ?= $(shell date -d yesterday +%F)

.PHONY: venv test test-sqlite test-postgres demo serve lint browser-deps bench bench-load bench-sweep bench-ledger bench-import bench-models clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $@

# Debian's chromium drives the browser tests (Playwright never downloads a browser of its own here).
browser-deps:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run >/dev/null
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py check

# The SQLite and PostgreSQL runs go side by side (each keeps its files and database apart, see
# config/settings/test.py): on two cores that halves the wall time. The PostgreSQL log follows the SQLite one.
test: venv browser-deps lint
	@pg_log=$$(mktemp); \
	$(MAKE) --no-print-directory test-postgres >"$$pg_log" 2>&1 & pg_pid=$$!; \
	$(MAKE) --no-print-directory test-sqlite; sqlite_rc=$$?; \
	wait $$pg_pid; pg_rc=$$?; \
	cat "$$pg_log"; rm -f "$$pg_log"; \
	echo "== SQLite suite exit $$sqlite_rc, PostgreSQL suite exit $$pg_rc"; \
	test $$sqlite_rc -eq 0 -a $$pg_rc -eq 0

test-sqlite: venv
	$(VENV)/bin/pytest -q

# Runs the suite again on PostgreSQL when it is reachable (DATABASE_URL, else 127.0.0.1:5432). The browser stories
# run once, on SQLite: they test pages, and every query behind them is tested on both databases.
test-postgres: venv
	@url="$${DATABASE_URL:-$(PG_URL)}"; \
	if $(PY) -c "import sys,psycopg; from psycopg.conninfo import make_conninfo; psycopg.connect(make_conninfo(sys.argv[1], dbname='postgres', connect_timeout=3)).close()" "$$url" 2>/dev/null; then \
		echo "== PostgreSQL: $$url"; DATABASE_URL="$$url" $(VENV)/bin/pytest -q qingshan && echo "POSTGRESQL SUITE PASSED"; \
	else echo "== PostgreSQL not reachable at $$url: skipped"; fi

demo: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --problems $(DEMO_PROBLEMS) --seed $(DEMO_SEED) --end $(DEMO_END) --if-empty
	@echo "后台工作进程（manage.py run_worker：数据导入、模型运行、提醒扫描、数据比对定时运行），随网页服务一起退出"
	@$(PY) manage.py run_worker & jobs=$$!; \
		trap "kill $$jobs 2>/dev/null" EXIT INT TERM; \
		$(PY) manage.py runserver 127.0.0.1:8000

# Every navigation page of every demo role: on a large PostgreSQL database (BENCH_DATABASE_URL, default
# qingshan_bench), then on SQLite at the demo's size (see bench/RESULTS.md). BENCH_AB=<commit> adds an alternating
# A/B against that commit's visibility rule.
bench: venv
	$(PY) bench/bench_pages.py --problems $(BENCH_PROBLEMS) $(if $(BENCH_AB),--ab $(BENCH_AB))
	$(PY) bench/bench_pages.py --problems $(DEMO_PROBLEMS) --db-url sqlite $(if $(BENCH_AB),--ab $(BENCH_AB))

# Load test on the production settings: gunicorn + PostgreSQL (LOAD_DATABASE_URL, default qingshan_load, built at
# the demo's size once) and locust from 127.0.0.1: LOAD_USERS users for LOAD_MINUTES minutes.
LOAD_USERS ?= 32
LOAD_MINUTES ?= 10
bench-load: venv
	$(PY) bench/bench_load.py --problems $(DEMO_PROBLEMS) --users $(LOAD_USERS) --minutes $(LOAD_MINUTES)

# Issue 3 and 4 benchmarks, each recorded in its own bench/RESULTS_*.md (indexed from bench/RESULTS.md).
bench-sweep: venv
	$(PY) bench/bench_sweep.py --problems $(BENCH_PROBLEMS)

bench-ledger: venv
	$(PY) bench/bench_ledger_export.py --rows $(BENCH_PROBLEMS) --no-trace

bench-import: venv
	$(PY) bench/bench_import.py

# pandas is the analyst's baseline only, never a dependency of the app.
bench-models: venv
	$(VENV)/bin/pip install -q pandas
	$(PY) bench/bench_models.py --scale 1

clean:
	rm -rf $(VENV) var staticfiles .mypy_cache
