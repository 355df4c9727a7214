# Supervisors' and managers' reports: SQL views and pre-aggregated tables
# (`_auto = False`), as crm/report does.
from . import d2d_agent_stats
from . import d2d_stage_time
from . import d2d_territory_report
from . import d2d_market_share
from . import d2d_market_share_month
