// core/headers: the program is one generated translation unit per public header, each including
// only that header (see meson.build). Building it is the test; linking them together also catches a
// header that defines a non-inline function or variable (a duplicate symbol).
int main() { return 0; }
