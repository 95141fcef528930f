# The two README commands: `make demo` and `make test`. Each sets up what it needs on a bare machine.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
INSTALLED := $(VENV)/.installed
COLLECTION_LINK := .collections/ansible_collections/resilience/s3_dr
SANITY_TREE := .build/ansible_collections/resilience/s3_dr
COLLECTIONS_IN_VENV = $(shell $(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/ansible_collections
# pip version that ansible-test 2.19 bootstraps into its sanity virtual environments
ANSIBLE_TEST_PIP_CACHE := $(HOME)/.ansible/test/cache/get_pip_24_2.py
# molecule and ansible-test call ansible-config/ansible-playbook from PATH: the venv's come first.
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
# Test processes for `make pytest`: most test time is waiting on the endpoint and ansible-playbook, so 2
# workers on 2 cores halve the wall time (3 were no faster). Each worker starts its own endpoint and runs
# whole files, since a file's later tests may use what its first test deployed.
PYTEST_WORKERS ?= 2
# The ansible-core minors meta/runtime.yml claims besides the 2.19 of .venv, at their latest patch. Each gets
# its own virtual environment with the boto3/botocore of requirements-dev.txt; the collections (amazon.aws,
# community.aws, community.general, ansible.posix, all admitting >=2.17) come from .venv's `ansible` package.
OTHER_CORE_VERSIONS := 2.17.14 2.18.19
CORE_VENVS := $(foreach version,$(OTHER_CORE_VERSIONS),.venv-core-$(basename $(version)))
CORE_MATRIX_RUNS := $(foreach version,$(OTHER_CORE_VERSIONS),core-matrix-$(basename $(version)))
IMPORTER_VENV := .venv-importer
GALAXY_IMPORTER := galaxy-importer==0.4.44

.PHONY: setup demo test pytest core-matrix $(CORE_MATRIX_RUNS) molecule sanity lint localaws-start localaws-stop clean

setup: $(INSTALLED) $(COLLECTION_LINK)

$(INSTALLED): requirements-dev.txt requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt -r requirements.txt
	touch $@

# ansible-playbook run from the repository root finds this collection here (see ansible.cfg).
$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn ../../.. $@

demo: setup
	$(BIN)/python -m tools.localaws run -- bash tools/demo/run.sh

# Every check, even after one fails; non-zero if any failed. pytest keeps both cores busy; the other checks
# then run two at a time, longest first, each one's output shown whole when it ends (one after the other they
# left a core idle: 10.9 min instead of 6).
test: setup
	status=0; $(MAKE) pytest || status=$$?; \
	$(MAKE) --keep-going --jobs=2 --output-sync=target $(CORE_MATRIX_RUNS) sanity molecule lint || status=$$?; \
	exit $$status

# Headless Chromium (Debian package, run as root like CI) renders the DR drill's HTML report in a test.
CHROMIUM := /usr/bin/chromium

pytest: setup $(CHROMIUM) $(IMPORTER_VENV)/.installed
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

$(CHROMIUM):
	apt-get update -qq && apt-get install -y -qq chromium

# galaxy-importer (Galaxy's and Automation Hub's upload check) pins attrs<24, so it gets its own virtual
# environment, with the `ansible` package so that ansible-doc resolves amazon.aws doc fragments as on Galaxy.
# tests/integration/test_installed_collection.py runs it on the built tarball.
$(IMPORTER_VENV)/.installed: requirements-dev.txt
	rm -rf $(dir $@) && $(PYTHON) -m venv $(dir $@)
	$(dir $@)bin/pip install --quiet --disable-pip-version-check $(GALAXY_IMPORTER) $(shell grep -E '^ansible==' requirements-dev.txt)
	touch $@

# The end-to-end playbook tests marked core_matrix, once per other ansible-core version (2.19 runs them in
# `make pytest`): `make core-matrix-2.17` runs one version with its own endpoint; `make test` runs both at once.
core-matrix: $(CORE_MATRIX_RUNS)

$(CORE_MATRIX_RUNS): core-matrix-%: setup .venv-core-%/.installed
	$(CURDIR)/.venv-core-$*/bin/ansible-playbook --version | sed -n 1p
	S3DR_ANSIBLE_PLAYBOOK=$(CURDIR)/.venv-core-$*/bin/ansible-playbook \
	ANSIBLE_COLLECTIONS_PATH=$(CURDIR)/.collections:$(dir $(COLLECTIONS_IN_VENV)) \
		$(BIN)/pytest -m core_matrix -p no:cacheprovider

.venv-core-%/.installed: requirements-dev.txt requirements.txt
	rm -rf $(dir $@) && $(PYTHON) -m venv $(dir $@)
	$(dir $@)bin/pip install --quiet --disable-pip-version-check \
		ansible-core==$(filter $*.%,$(OTHER_CORE_VERSIONS)) $(shell grep -E '^boto(3|core)==' requirements-dev.txt)
	touch $@

molecule: setup
	$(BIN)/python -m tools.localaws run -- $(BIN)/molecule test --all

sanity: setup
	rm -rf .build && mkdir -p $(SANITY_TREE)
	# Tracked and new files as they are in the work tree (a deleted file is skipped, not an error).
	git ls-files --cached --others --exclude-standard -z \
		| tar --null --files-from=- --ignore-failed-read --warning=no-failed-read -cf - | tar -xf - -C $(SANITY_TREE)
	# ansible-test resolves dependencies from the same ansible_collections tree.
	ln -s $(COLLECTIONS_IN_VENV)/amazon $(COLLECTIONS_IN_VENV)/community .build/ansible_collections/
	mkdir -p $(dir $(ANSIBLE_TEST_PIP_CACHE)) && cp tools/ansible_test_get_pip.py $(ANSIBLE_TEST_PIP_CACHE)
	# ansible-test lists files with git; the copy is its own repository, not an ignored folder of ours.
	cd $(SANITY_TREE) && git init --quiet && git add --all && \
		$(BIN)/ansible-test sanity --python 3.11 --venv --requirements --color no

lint: setup
	$(BIN)/ansible-lint --profile production

localaws-start: setup
	@$(BIN)/python -m tools.localaws start

localaws-stop: setup
	@$(BIN)/python -m tools.localaws stop

clean:
	rm -rf $(VENV) $(CORE_VENVS) $(IMPORTER_VENV) .collections .build .localaws .pytest_cache
