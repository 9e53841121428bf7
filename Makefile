# campaign: `make run` serves the app with a demo letter; `make test` runs every test.
VENV    := .venv
PYTHON  ?= python3
FLASK   := $(VENV)/bin/flask --app wsgi
PO      := campaign/translations/nl/LC_MESSAGES/messages.po
MO      := $(PO:.po=.mo)
HOST    ?= 127.0.0.1
PORT    ?= 5000

.PHONY: install run test lint bench stress lock system-packages translations messages clean

install: system-packages $(VENV)/.installed translations

# WeasyPrint draws PDFs with Pango and subsets fonts fastest with HarfBuzz: required. The browser
# tests drive Debian's Chromium and `make bench` loads the app with wrk: installed when we may.
SYSTEM_LIBRARIES := libpango-1.0.so.0:libpango-1.0-0 libpangoft2-1.0.so.0:libpangoft2-1.0-0 \
                    libharfbuzz-subset.so.0:libharfbuzz-subset0 libfontconfig.so.1:libfontconfig1
system-packages:
	@missing=""; for pair in $(SYSTEM_LIBRARIES); do \
	  ldconfig -p 2>/dev/null | grep -q "$${pair%%:*}" || missing="$$missing $${pair##*:}"; \
	done; \
	optional=""; command -v chromium >/dev/null || optional=" chromium"; \
	command -v wrk >/dev/null || optional="$$optional wrk"; \
	command -v pdftoppm >/dev/null || optional="$$optional poppler-utils"; \
	if [ -n "$$missing$$optional" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian packages:$$missing$$optional"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq $$missing $$optional >/dev/null; \
	elif [ -n "$$missing" ]; then \
	  echo "Please install these system packages:$$missing" >&2; exit 1; \
	elif [ -n "$$optional" ]; then \
	  echo "Not installed:$$optional (browser tests are skipped without chromium; make bench needs wrk)."; \
	fi

$(VENV)/.installed: pyproject.toml requirements.lock
	@$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; \
	  else echo "Python's venv is missing: install python3-venv" >&2; exit 1; fi; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -c requirements.lock -e '.[test]'
	touch $@

# The exact versions `make install` takes: resolved anew from pyproject.toml in a scratch venv.
lock:
	rm -rf build/lock-venv && $(PYTHON) -m venv build/lock-venv
	build/lock-venv/bin/pip install --quiet --upgrade pip
	build/lock-venv/bin/pip install --quiet -e '.[test]'
	{ echo "# make lock: the versions make install takes (pip constraints)"; \
	  build/lock-venv/bin/pip freeze --exclude-editable | grep -v '^pip=='; } > requirements.lock
	rm -rf build/lock-venv

translations: $(MO)

$(MO): $(PO) $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d campaign/translations -D messages -l nl >/dev/null

# After adding or changing a string: `make messages`, translate the new entries in $(PO).
messages: $(VENV)/.installed
	$(VENV)/bin/pybabel -q extract -F campaign/translations/babel.cfg -k _l -k lazy_gettext \
	  -k lazy_ngettext:1,2 -k count_of:1,2 -k lazy_pgettext:1c,2 -c TRANSLATORS: --add-location=file \
	  --sort-output --no-wrap --project campaign -o campaign/translations/messages.pot .
	$(VENV)/bin/pybabel update --no-wrap --ignore-obsolete --ignore-pot-creation-date \
	  -i campaign/translations/messages.pot -d campaign/translations -D messages -l nl

# Links in mail and the PDF point where `make run` serves, unless BASE_URL says otherwise.
run: export BASE_URL ?= http://$(HOST):$(PORT)
run: install
	$(FLASK) db upgrade
	$(FLASK) demo-if-empty
	@echo "Serving on http://$(HOST):$(PORT)/ (mail is written to instance/mail/ unless MAIL_SERVER is set)"
	@echo "Staff log in at http://$(HOST):$(PORT)/staff/; make an account with: $(FLASK) staff create YOU@EXAMPLE.ORG --role admin"
	@$(FLASK) worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) run --host $(HOST) --port $(PORT)

test: install lint
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check --quiet campaign tests migrations wsgi.py
	$(VENV)/bin/bandit --quiet --recursive campaign

# One JSON object per line; on PostgreSQL too when TEST_DATABASE_URL is set (its schema is reset).
bench: install
	$(VENV)/bin/python tests/benchmarks/run.py

# Load and loss: 100 signers for STRESS_SECONDS (60) against gunicorn and PostgreSQL
# (TEST_DATABASE_URL; skipped without it), the outbox sender killed SENDER_KILLS (40) times, and
# HOSTILE_CASES (10,000) hostile requests, and EXPORT_ROWS (200,000) exported with flat memory.
# Figures as JSON lines.
stress: install
	STRESS=1 SENDER_KILLS=$${SENDER_KILLS:-40} HOSTILE_CASES=$${HOSTILE_CASES:-10000} \
	  EXPORT_ROWS=$${EXPORT_ROWS:-200000} \
	  $(VENV)/bin/pytest -q -s -p no:cacheprovider $(if $(TEST_DATABASE_URL),-k postgresql) \
	  tests/stress tests/faults/test_sender_killed_mid_batch.py \
	  tests/hostile/test_fuzz_every_endpoint.py \
	  tests/exports/test_staff_exports_xlsx_and_large_files.py::test_200000_signatures_export_with_flat_memory

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
