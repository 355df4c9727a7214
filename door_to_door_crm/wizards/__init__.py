from . import d2d_lead_reason_wizard
from . import d2d_territory_split_wizard
from . import d2d_rework_wizard
from . import d2d_schedule_wizard
from . import d2d_postpone_wizard
from . import d2d_installation_report_wizard
from . import d2d_quality_call_wizard
from . import d2d_callcenter_lead_wizard
