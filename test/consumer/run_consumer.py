#!/usr/bin/env python3
"""Builds tapeless the way downstream users do, each time in a fresh temporary directory.

  subproject  a Meson project with tapeless under subprojects/ (dependency('tapeless')); also checks
              that none of tapeless's own tests, examples or benchmarks end up in that build
  install     `meson install` into a temporary prefix, then a one-file compile with
              `pkg-config --cflags tapeless`
  make        the installed copy found by a Makefile through pkg-config
  cmake       the installed copy found by CMake's pkg_check_modules
  hana-wrap   the subproject build again, with Boost taken from subprojects/hana.wrap: the wrap's
              git URL is pointed at a local repository holding this machine's Boost.Hana headers
              in the layout of github.com/boostorg/hana (no network here)

Exits 77 (meson's "skipped") when a tool the mode needs is not installed.
"""
import argparse
import configparser
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
CONSUMER = os.path.join(HERE, 'project')


class Failure(Exception):
    pass


def run(cmd, cwd=None, env=None):
    """Runs cmd quietly; its output is shown only when it fails, so the test log stays readable."""
    print('+', shlex.join(cmd), flush=True)
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    print(f'  ({time.monotonic() - start:.1f} s)', flush=True)
    if proc.returncode != 0:
        print(proc.stdout)
        raise Failure(f'{cmd[0]} exited with {proc.returncode}')
    return proc.stdout


def is_build_dir(path):
    return os.path.isdir(os.path.join(path, 'meson-private'))


def copy_source_tree(root, dest):
    """Copies what a clone of tapeless holds: no .git, no build directories (build* or any other
    directory meson configured), no downloaded subprojects (only *.wrap and packagefiles/)."""
    def ignore(directory, names):
        rel = os.path.relpath(directory, root)
        skipped = {n for n in names if n == '__pycache__'}
        skipped |= {n for n in names if is_build_dir(os.path.join(directory, n))}
        if rel == '.':
            skipped |= {n for n in names if n.startswith('build') or n == '.git'}
        elif rel == 'subprojects':
            skipped |= {n for n in names if not (n.endswith('.wrap') or n == 'packagefiles')}
        return skipped
    shutil.copytree(root, dest, ignore=ignore, symlinks=True)


def introspect(build, what):
    """What `meson introspect --<what>` prints, read from the files meson setup wrote."""
    with open(os.path.join(build, 'meson-info', f'intro-{what}.json'), encoding='utf-8') as f:
        return json.load(f)


def check_only_headers_used(build):
    """A consumer must get the headers and nothing else: tapeless is header-only, so any target or
    test that tapeless defines in the consumer's build is one of its own programs leaking in."""
    subprojects = {p['name']: p['version'] for p in introspect(build, 'projectinfo')['subprojects']}
    if 'tapeless' not in subprojects:
        raise Failure(f'tapeless was not configured as a subproject (subprojects: {subprojects})')
    print(f'  tapeless {subprojects["tapeless"]} configured as a subproject')
    leaked = [t['name'] for t in introspect(build, 'targets') if t.get('subproject') == 'tapeless']
    if leaked:
        raise Failure(f'tapeless defines targets in the consumer build: {leaked}')
    tests = [t['name'] for t in introspect(build, 'tests')]
    if tests:
        raise Failure(f'tests registered in the consumer build: {tests}')
    with open(os.path.join(build, 'build.ninja'), encoding='utf-8') as f:
        ninja = f.read()
    for part in ('test', 'examples', 'bench'):
        marker = f'subprojects/tapeless/{part}/'
        if marker in ninja:
            raise Failure(f'build.ninja builds something from {marker}')
    print('  no tapeless targets, tests, examples or benchmarks in the consumer build')


def subproject(args, tmp):
    meson, ninja = args.meson or shutil.which('meson'), args.ninja or shutil.which('ninja')
    if not meson or not ninja:
        print('meson or ninja not found')
        return SKIP
    consumer = os.path.join(tmp, 'consumer')
    shutil.copytree(CONSUMER, consumer)
    copy_source_tree(args.source_root, os.path.join(consumer, 'subprojects', 'tapeless'))
    build = os.path.join(tmp, 'build')
    env = dict(os.environ, CXX=args.cxx)
    # Forcing the fallback keeps an installed tapeless.pc on this machine from being picked instead.
    run([meson, 'setup', build, consumer, '--wrap-mode=nodownload', '--force-fallback-for=tapeless'],
        env=env)
    check_only_headers_used(build)
    run([ninja, '-C', build])
    print(run([os.path.join(build, 'consumer')]), end='')
    return 0


def system_hana_root(cxx):
    """The include directory holding the compiler's <boost/hana/...>, or None."""
    proc = subprocess.run(shlex.split(cxx) + ['-std=c++20', '-M', '-x', 'c++', '-'],
                          input='#include <boost/hana/version.hpp>\n', text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    suffix = os.path.join('boost', 'hana', 'version.hpp')
    for token in proc.stdout.replace('\\\n', ' ').split():
        if token.endswith(suffix):
            return token[:-len(suffix)]
    return None


def hana_wrap(args, tmp):
    meson, ninja, git = (args.meson or shutil.which('meson'), args.ninja or shutil.which('ninja'),
                         shutil.which('git'))
    hana_root = system_hana_root(args.cxx)
    if not meson or not ninja or not git or not hana_root:
        print('meson, ninja, git or the Boost.Hana headers not found')
        return SKIP
    wrap = configparser.ConfigParser(interpolation=None)
    wrap.read(os.path.join(args.source_root, 'subprojects', 'hana.wrap'))
    revision = wrap['wrap-git']['revision']

    upstream = os.path.join(tmp, 'hana-upstream')
    shutil.copytree(os.path.join(hana_root, 'boost', 'hana'), os.path.join(upstream, 'include', 'boost', 'hana'))
    shutil.copy(os.path.join(hana_root, 'boost', 'hana.hpp'), os.path.join(upstream, 'include', 'boost'))
    who = ['-c', 'user.name=tapeless', '-c', 'user.email=tapeless@localhost', '-c', 'commit.gpgsign=false']
    run([git, 'init', '-q', upstream])
    run([git, '-C', upstream, 'add', '-A'])
    run([git, '-C', upstream] + who + ['commit', '-q', '-m', 'Boost.Hana headers'])
    run([git, '-C', upstream, 'tag', revision])

    consumer = os.path.join(tmp, 'consumer')
    shutil.copytree(CONSUMER, consumer)
    tapeless = os.path.join(consumer, 'subprojects', 'tapeless')
    copy_source_tree(args.source_root, tapeless)
    wrap_path = os.path.join(tapeless, 'subprojects', 'hana.wrap')
    with open(wrap_path, encoding='utf-8') as f:
        text = f.read()
    with open(wrap_path, 'w', encoding='utf-8') as f:
        f.write(text.replace(wrap['wrap-git']['url'], 'file://' + upstream))

    build = os.path.join(tmp, 'build')
    env = dict(os.environ, CXX=args.cxx)
    # The forced fallback for boost is what a machine without the Boost headers would do.
    run([meson, 'setup', build, consumer, '--force-fallback-for=tapeless,boost'], env=env)
    subprojects = {p['name'] for p in introspect(build, 'projectinfo')['subprojects']}
    if 'hana' not in subprojects:
        raise Failure(f'dependency(\'boost\') did not fall back to the hana wrap: {subprojects}')
    run([ninja, '-C', build])
    deps = run([ninja, '-C', build, '-t', 'deps'])
    if os.path.join('subprojects', 'hana', 'include', 'boost', 'hana', 'tuple.hpp') not in deps:
        raise Failure('the consumer was not compiled against the Hana headers of the wrap')
    print('  compiled against subprojects/hana/include (the wrap), not the system Boost')
    print(run([os.path.join(build, 'consumer')]), end='')
    return 0


def install(args, tmp):
    """Installs tapeless into tmp/prefix; returns the environment that makes pkg-config find it
    and what pkg-config --cflags prints there."""
    meson = args.meson or shutil.which('meson')
    if not meson:
        raise Failure('meson not found')
    prefix, build = os.path.join(tmp, 'prefix'), os.path.join(tmp, 'build')
    run([meson, 'setup', build, args.source_root, f'--prefix={prefix}', '--wrap-mode=nodownload',
         '-Dtests=false', '-Dexamples=false', '-Dbenchmarks=false'])
    run([meson, 'install', '-C', build])

    source_headers = os.path.join(args.source_root, 'include', 'tapeless')
    missing = []
    for directory, _, files in os.walk(source_headers):
        for name in files:
            rel = os.path.relpath(os.path.join(directory, name), os.path.dirname(source_headers))
            if not os.path.isfile(os.path.join(prefix, 'include', rel)):
                missing.append(rel)
    if missing:
        raise Failure(f'headers not installed under {prefix}/include: {missing}')

    pcs = [os.path.join(d, 'tapeless.pc') for d, _, files in os.walk(prefix) if 'tapeless.pc' in files]
    if len(pcs) != 1:
        raise Failure(f'expected one installed tapeless.pc, found {pcs}')
    print(f'  installed {os.path.relpath(pcs[0], prefix)}')
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(pcs[0]))
    version = run(['pkg-config', '--modversion', 'tapeless'], env=env).strip()
    if version != args.version:
        raise Failure(f'tapeless.pc says version {version}, the project is {args.version}')
    cflags = shlex.split(run(['pkg-config', '--cflags', 'tapeless'], env=env))
    if '-I' + os.path.join(prefix, 'include') not in cflags:
        raise Failure(f'pkg-config --cflags tapeless does not point into the prefix: {cflags}')
    return env, cflags


def installed(args, tmp):
    if not shutil.which('pkg-config'):
        print('pkg-config not found')
        return SKIP
    env, cflags = install(args, tmp)
    libs = shlex.split(run(['pkg-config', '--libs', 'tapeless'], env=env))
    exe = os.path.join(tmp, 'consumer')
    run(shlex.split(args.cxx) + ['-Wall', '-Wextra', '-Wpedantic', '-Werror'] + cflags +
        [os.path.join(CONSUMER, 'main.cpp'), '-o', exe] + libs)
    print(run([exe]), end='')
    return 0


def make(args, tmp):
    tool = shutil.which('make')
    if not shutil.which('pkg-config') or not tool:
        print('pkg-config or make not found')
        return SKIP
    env, _ = install(args, tmp)
    consumer = os.path.join(tmp, 'consumer')
    shutil.copytree(CONSUMER, consumer)
    run([tool, '-C', consumer, f'CXX={args.cxx}', 'CXXFLAGS=-O2 -Wall -Wextra -Wpedantic -Werror'],
        env=env)
    print(run([os.path.join(consumer, 'consumer')]), end='')
    return 0


def cmake(args, tmp):
    tool = shutil.which('cmake')
    if not shutil.which('pkg-config') or not tool:
        print('pkg-config or cmake not found')
        return SKIP
    env, _ = install(args, tmp)
    build = os.path.join(tmp, 'cmake-build')
    *launcher, compiler = shlex.split(args.cxx)
    configure = [tool, '-S', CONSUMER, '-B', build, f'-DCMAKE_CXX_COMPILER={compiler}',
                 '-DCMAKE_CXX_FLAGS=-Wall -Wextra -Wpedantic -Werror']
    if launcher:
        configure.append(f'-DCMAKE_CXX_COMPILER_LAUNCHER={";".join(launcher)}')
    run(configure, env=env)
    run([tool, '--build', build], env=env)
    print(run([os.path.join(build, 'consumer')]), end='')
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('mode', choices=['subproject', 'install', 'make', 'cmake', 'hana-wrap'])
    parser.add_argument('--source-root', required=True, help='the tapeless source tree')
    parser.add_argument('--version', required=True, help='the version tapeless.pc must report')
    parser.add_argument('--cxx', default='c++', help='the C++ compiler command')
    parser.add_argument('--meson', help='the meson command (default: from PATH)')
    parser.add_argument('--ninja', help='the ninja command (default: from PATH)')
    args = parser.parse_args()
    args.source_root = os.path.abspath(args.source_root)
    modes = {'subproject': subproject, 'install': installed, 'make': make, 'cmake': cmake,
             'hana-wrap': hana_wrap}
    with tempfile.TemporaryDirectory(prefix=f'tapeless-{args.mode}-') as tmp:
        try:
            return modes[args.mode](args, tmp)
        except Failure as e:
            print(f'FAIL: {e}')
            return 1


if __name__ == '__main__':
    sys.exit(main())
