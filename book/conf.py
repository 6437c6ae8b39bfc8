"""Sphinx configuration of the course's web site (``make site``; book/build_site.py stages the pages).

Nothing is executed: myst-nb shows the outputs committed in the notebooks. Nothing is fetched when
a page is viewed: MathJax is copied into the site (sphinx-mathjax-offline), no widget manager or
require.js is loaded (explorers show their committed picture), and the theme's own fonts and
scripts are local files.
"""

project = "Convolution Arithmetic"
author = "the Convolution Arithmetic course"
copyright = "the Convolution Arithmetic course, MIT licence"

extensions = [
    "myst_nb",
    "sphinx_copybutton",
    # admonitions with the class "dropdown": text JupyterLab shows collapsed stays closed until clicked
    "sphinx_togglebutton",
    # puts MathJax 3 into _static/mathjax and points mathjax_path at it
    "sphinx-mathjax-offline",
]

root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
suppress_warnings = ["myst.header"]

# --- notebooks: committed outputs only ---
nb_execution_mode = "off"
# no require.js, no @jupyter-widgets/html-manager from a CDN: explorers are pictures here
nb_ipywidgets_js = {}
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]

# --- Markdown ---
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
# the lessons write display formulas inside a paragraph ("… gives $$o' = …$$ With p' …"), as JupyterLab allows
myst_dmath_double_inline = True
# the README and docs link to headings by GitHub's slugs (#checking-your-answers)
myst_heading_anchors = 4

# prose keeps the quotes it was written with: padding='same' stays a string Python reads
smartquotes = False

# --- HTML ---
html_theme = "sphinx_book_theme"
html_title = "Convolution Arithmetic"
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_js_files = ["course.js"]
# the search's summaries fetch each result page, which a browser refuses for a site opened from disk
html_show_search_summary = False
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None
# pydata-sphinx-theme logs an error for an unset mode; the light theme is the course's
html_context = {"default_mode": "light"}
html_theme_options = {
    "use_download_button": False,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "home_page_in_toc": True,
}
# without an icon of its own Chromium asks every site for /favicon.ico
html_favicon = "favicon.svg"
