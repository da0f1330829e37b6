"""Links Ray's Java API jar (ray/jars/ray_dist.jar of the installed `ray` Python package) to
argv[1], for the build to compile and test against it. Ray is never vendored: the jar of a Java
driver must be the cluster's exact Ray version, so it comes from the Python package `ray start`
runs from."""
import os
import sys

try:
    import ray
except ImportError as e:
    sys.exit(f"shm4j-ray: error: the Python package 'ray' is not installed for {sys.executable} ({e});"
             " install it (pip install 'ray==<your cluster's version>', or python/requirements.txt),"
             " or run the build with SHM4J_PYTHON set to a Python that has it")
src = os.path.join(os.path.dirname(ray.__file__), "jars", "ray_dist.jar")
if not os.path.isfile(src):
    sys.exit(f"shm4j-ray: error: no Java API in the installed Ray: jar={src}, version={ray.__version__};"
             " install the 'ray' wheel from PyPI (it ships ray/jars/ray_dist.jar)")
dst = sys.argv[1]
os.makedirs(os.path.dirname(dst), exist_ok=True)
tmp = dst + ".tmp"
if os.path.lexists(tmp):
    os.remove(tmp)
os.symlink(src, tmp)
os.replace(tmp, dst)
