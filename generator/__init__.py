"""gongjian: a static report-site generator for "1+1" branch co-construction campaigns."""

__version__ = "0.1.0"
