from . import agent
from . import callcenter
