# The two README commands: `make demo` and `make test`. Each sets up what it needs on a bare machine.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
INSTALLED := $(VENV)/.installed
COLLECTION_LINK := .collections/ansible_collections/resilience/s3_dr
SANITY_TREE := .build/ansible_collections/resilience/s3_dr
# molecule and ansible-test call ansible-config/ansible-playbook from PATH: the venv's come first.
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

.PHONY: setup demo test pytest molecule sanity lint localaws-start localaws-stop clean

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

# Every check, even after one fails; non-zero if any failed.
test: setup
	$(MAKE) --keep-going pytest molecule sanity lint

pytest: setup
	$(BIN)/pytest

molecule: setup
	$(BIN)/python -m tools.localaws run -- $(BIN)/molecule test --all

sanity: setup
	rm -rf .build && mkdir -p $(SANITY_TREE)
	git ls-files --cached --others --exclude-standard -z | xargs -0 cp --parents -t $(SANITY_TREE)
	cd $(SANITY_TREE) && $(BIN)/ansible-test sanity --python 3.11 --venv --requirements --color no

lint: setup
	$(BIN)/ansible-lint --profile production

localaws-start: setup
	@$(BIN)/python -m tools.localaws start

localaws-stop: setup
	@$(BIN)/python -m tools.localaws stop

clean:
	rm -rf $(VENV) .collections .build .localaws .pytest_cache
