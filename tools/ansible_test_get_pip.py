"""Stand-in for the get-pip.py that ansible-test downloads from a host this workplace cannot reach.

`make sanity` puts it in ansible-test's cache (~/.ansible/test/cache/get_pip_<version>.py), where
ansible-test looks first. It does what get-pip.py does: bootstrap pip (here from the standard
library's bundled wheel, offline) and then `pip install` the packages ansible-test asked for (the
exact pip version among them) from the configured package index.
"""
import subprocess
import sys

# In a child process: ensurepip points PIP_CONFIG_FILE at /dev/null in its own environment, which
# would hide the machine's pip configuration (index, certificates) from the install below.
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"], stdout=subprocess.DEVNULL)
# get-pip.py's own switches; pip does not know them.
pip_arguments = [argument for argument in sys.argv[1:] if argument not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", *pip_arguments]))
