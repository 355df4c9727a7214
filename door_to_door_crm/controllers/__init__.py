from . import agent
from . import callcenter
from . import agent_stats
