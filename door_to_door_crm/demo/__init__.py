from . import d2d_demo_generator
