from . import d2d_competitor
from . import d2d_territory
from . import d2d_house
from . import d2d_entrance
from . import d2d_apartment
from . import d2d_visit
from . import crm_stage
from . import crm_lead
