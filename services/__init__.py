"""What the API and the console call: intake for every channel, staff actions, case launching, the case file.

A route or a console page calls one service function; the service stores first and then tells Temporal, so every
channel files, joins and acts the same way.
"""
