"""The HTTP front end's routes: public pages, regions, plan matching, the JSON API, the API
documentation and the curation pages (beheer/). A route module imports no other route
module; what they share lives in web.views, web.present, web.serialize, web.searching and
web.matching."""
