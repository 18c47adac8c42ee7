"""Tryggare Helsingborg chat router: the public door for residents, agents and administrators."""
