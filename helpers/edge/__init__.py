"""The course's edges, the only code that reads ``COURSE_PROFILE``.

- :mod:`helpers.edge.profiles`  the two profiles, ``full`` and ``quick``
- :mod:`helpers.edge.course`    glue for the notebooks: set-up, the profile's data, exercise checks
- :mod:`helpers.edge.exercises` exercise checks that never lie (``course`` offers them to the notebooks)
- :mod:`helpers.edge.envcheck`  is this machine ready for the course?
- :mod:`helpers.edge.cli`       the command line, ``python -m helpers report``
"""
