# cspulse task runner. `make` (or `make help`) lists the targets.

VENV ?= .venv
PY ?= $(VENV)/bin/python
CSPULSE ?= $(VENV)/bin/cspulse
# Python modules that write committed files, and the files they write.
GENERATORS ?= schemas.generate grafana.dashboards_src.build
GENERATED ?= schemas/json grafana/dashboards
DEMO_RATE ?= 50
METRICS_URL ?= http://127.0.0.1:6066/metrics
PROMETHEUS_URL ?= http://127.0.0.1:$(or $(CSPULSE_PROMETHEUS_PORT),9090)
WALLBOARD_URL ?= http://127.0.0.1:$(or $(CSPULSE_WALLBOARD_PORT),6070)/

.DEFAULT_GOAL := help
.PHONY: help install stack-up stack-down stack-status stack-logs test lint demo \
	generate check-generated bench-smoke promtool-test mutate mutate-report mutate-sample

help: ## Show this help
	@echo "usage: make <target>"
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

install: ## Install system packages (scripts/install-deps), create .venv, pip install -e '.[test]'
	scripts/install-deps
	test -x $(PY) || $${PYTHON3:-python3} -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e '.[test]'
	@touch $(VENV)/.installed

# First use on a fresh machine installs everything; later runs skip it (until pyproject changes).
$(VENV)/.installed: pyproject.toml
	$(MAKE) install

stack-up: $(VENV)/.installed ## Start Kafka, Redis, Prometheus and Alertmanager locally (idempotent)
	scripts/stack start

stack-down: ## Stop the local stack
	scripts/stack stop

stack-status: ## Show which stack services are up (exit 1 if any is down)
	scripts/stack status

stack-logs: ## Show the last lines of the stack's logs
	scripts/stack logs

test: $(VENV)/.installed ## Run the test suite against the local stack (ARGS="..." for pytest)
	scripts/test $(ARGS)

lint: ## ruff check and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

demo: $(VENV)/.installed stack-up ## Create topics, run a worker and the wallboard, simulate traffic (Ctrl-C stops all)
	@echo "wallboard:      $(WALLBOARD_URL)"
	@echo "worker metrics: $(METRICS_URL)"
	@echo "Prometheus:     $(PROMETHEUS_URL)/graph?g0.expr=cs_mrr"
	@echo "logs:           .stack/logs/demo-worker.log, .stack/logs/demo-wallboard.log"
	$(CSPULSE) topics create
	@mkdir -p .stack/logs; \
	$(CSPULSE) worker >>.stack/logs/demo-worker.log 2>&1 & worker=$$!; \
	CSPULSE_PROMETHEUS_URL=$${CSPULSE_PROMETHEUS_URL:-$(PROMETHEUS_URL)} \
		$(CSPULSE) wallboard >>.stack/logs/demo-wallboard.log 2>&1 & wallboard=$$!; \
	trap 'kill $$worker $$wallboard 2>/dev/null; wait $$worker $$wallboard 2>/dev/null; \
		echo "demo worker and wallboard stopped"' EXIT; \
	trap 'exit 130' INT TERM; \
	$(CSPULSE) simulate --rate $(DEMO_RATE)

generate: ## Regenerate committed files (JSON Schemas, Grafana dashboards)
	@set -e; for module in $(GENERATORS); do \
		echo "$(PY) -m $$module"; $(PY) -m $$module; \
	done

check-generated: generate ## Regenerate, then fail if the generated files differ from git
	@changes="$$(git status --porcelain --untracked-files=all -- $(GENERATED))"; \
	if [ -n "$$changes" ]; then \
		echo "generated files are out of date; run 'make generate' and commit:"; \
		echo "$$changes"; git --no-pager diff --stat -- $(GENERATED); exit 1; \
	fi; \
	echo "generated files are up to date"

bench-smoke: ## Short benchmark run (bench.run --smoke)
	$(PY) -m bench.run --smoke

promtool-test: ## Check the Prometheus and Alertmanager configs and rules, run the rule unit tests
	promtool check config prometheus/prometheus.yml
	amtool check-config prometheus/alertmanager.yml
	promtool test rules prometheus/tests/*.test.yml

# Mutation testing: mutmut ([tool.mutmut] in pyproject.toml) over the metric layer and the engine
# step, killed by tests/unit and tests/agents. State in mutants/ (gitignored); an interrupted run
# resumes where it stopped. See tests/mutation/README.md and tests/mutation/RESULTS.md.
MUTATE_CHILDREN ?= 2

mutate: $(VENV)/.installed ## Full mutation run (long), then the score and the survivors
	CSPULSE_HYPOTHESIS_PROFILE=mutation $(VENV)/bin/mutmut run --max-children $(MUTATE_CHILDREN)
	$(PY) -m tests.mutation.mutation report

mutate-report: ## Score and survivors of the last mutation run (fails on a survivor not accepted)
	$(PY) -m tests.mutation.mutation report --check

mutate-sample: $(VENV)/.installed ## CI: a seeded sample of 30 mutants, fails on one not killed nor accepted
	$(PY) -m tests.mutation.mutation sample
