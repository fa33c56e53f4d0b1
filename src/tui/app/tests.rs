//! Flow tests of App::update.
