from . import test_layout
from . import test_visit
from . import test_access
from . import test_rpc
from . import test_demo
