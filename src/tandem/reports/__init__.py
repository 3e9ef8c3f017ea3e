"""Reports for meetings and boards: the one-page strategic plan, cycle reviews, scorecards."""
