#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
#
# Turn a Markdown document into the body of a man page.
#
#   docs/md2man.py TEMPLATE MARKDOWN > PAGE
#
# TEMPLATE is a roff page with one line "@BODY@"; that line is replaced
# by MARKDOWN converted to roff, and the rest is copied as it is.  This is
# how docs/ferryd.conf.5 is made from docs/config.md, so that the config
# reference has one source: docs/ferryd.conf.5.in holds only what a man
# page has and the Markdown does not (NAME, SYNOPSIS, FILES, SEE ALSO).
#
# Only the Markdown that docs/config.md uses is understood: "#" headings
# (the first level-1 heading is the title and is dropped; text before the
# first "##" becomes DESCRIPTION; "####" becomes a subsection named under
# its "###" parent), paragraphs, "-" and "1." lists,
# indented and fenced code blocks, pipe tables, `code`, **bold**, *italic*
# and [text](url) links.  A table becomes one tagged paragraph per row:
# the first column is the tag, the middle columns a "header: value" line
# and the last column the text, which reads better on an 80-column
# terminal than a tbl table with long cells.  What it knows it does not
# know (deeper headings, block quotes, HTML, ragged tables, unbalanced
# inline markup) is an error rather than garbage in the page.
import re
import sys
import textwrap

WIDTH = 78


class Md2manError(Exception):
    pass


def esc(text):
    """Escape plain text for roff (inside a line)."""
    return text.replace('\\', '\\e')


def esc_literal(text):
    """Escape literal text (code): minus signs are real minus signs."""
    return esc(text).replace('-', '\\-')


INLINE = re.compile(r'`([^`]+)`|\*\*([^*]+)\*\*|\*([^*]+)\*|'
                    r'\[([^\]]+)\]\(([^)\s]+)\)')


def inline(text):
    """Convert the inline markup of one block of text."""
    out = []
    pos = 0
    for m in INLINE.finditer(text):
        out.append(esc(text[pos:m.start()]))
        code, bold, ital, ltext, url = m.groups()
        if code is not None:
            out.append('\\fB' + esc_literal(code) + '\\fR')
        elif bold is not None:
            out.append('\\fB' + esc(bold) + '\\fR')
        elif ital is not None:
            out.append('\\fI' + esc(ital) + '\\fR')
        else:
            out.append(inline(ltext) + ' \\(la' + esc_literal(url) +
                       '\\(ra')
        pos = m.end()
    out.append(esc(text[pos:]))
    s = ''.join(out)
    if '`' in s or '](' in s:
        raise Md2manError('unbalanced inline markup: ' + text)
    return s


def fill(text):
    """Inline-convert a paragraph and wrap it into roff text lines."""
    lines = textwrap.wrap(inline(' '.join(text.split())), WIDTH,
                          break_long_words=False, break_on_hyphens=False)
    # A line starting with . or ' would be a request.
    return ['\\&' + l if l[:1] in ('.', "'") else l for l in lines]


def plain(text):
    """Heading text: markup stripped, escaped, for a .SH/.SS line."""
    text = re.sub(r'`([^`]+)`', r'\1', text)
    return esc_literal(text)


def code_block(lines):
    out = ['.PP', '.RS 4', '.nf']
    for l in lines:
        l = esc_literal(l.rstrip())
        out.append('\\&' + l if l else '')
    out += ['.fi', '.RE']
    return out


def split_row(line):
    line = line.strip()
    if not (line.startswith('|') and line.endswith('|')):
        raise Md2manError('table row without outer pipes: ' + line)
    return [c.strip() for c in line[1:-1].split('|')]


def table(lines):
    head = split_row(lines[0])
    if not re.fullmatch(r'\|(\s*:?-+:?\s*\|)+', lines[1].strip()):
        raise Md2manError('table without a separator row: ' + lines[1])
    out = []
    for line in lines[2:]:
        cells = split_row(line)
        if len(cells) != len(head):
            raise Md2manError('table row with %d cells, header has %d: %s'
                              % (len(cells), len(head), line))
        out += ['.TP', inline(cells[0])]
        attrs = ['%s: %s' % (h, c) for h, c in
                 zip(head[1:-1], cells[1:-1]) if c]
        if len(head) > 2 and attrs:
            out += fill('; '.join(attrs) + '.')
            if cells[-1]:
                out.append('.br')
        if cells[-1]:
            out += fill(cells[-1])
        elif len(head) == 2 or not attrs:
            raise Md2manError('table row with no text: ' + line)
    return out


def convert(md):
    lines = md.split('\n')
    out = []
    title_seen = False
    section = None
    sub = None  # the last "###" heading, for "####" under it
    i = 0
    n = len(lines)

    def start_description():
        nonlocal section
        if section is None:
            out.append('.SH DESCRIPTION')
            section = 'DESCRIPTION'

    while i < n:
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        m = re.match(r'(#+) +(.*)', line)
        if m:
            level, text = len(m.group(1)), m.group(2).strip()
            if level == 1 and not title_seen and section is None:
                title_seen = True
            elif level == 2:
                section = plain(text).upper()
                out.append('.SH "%s"' % section)
            elif level == 3:
                start_description()
                sub = plain(text)
                out.append('.SS "%s"' % sub)
            elif level == 4 and sub is not None:
                # man has two levels of headings: a third one is named
                # under its parent, "bgp / bfd".
                start_description()
                out.append('.SS "%s / %s"' % (sub, plain(text)))
            else:
                raise Md2manError('unsupported heading: ' + line)
            i += 1
            continue
        start_description()
        if line.startswith('```'):
            j = i + 1
            while j < n and not lines[j].startswith('```'):
                j += 1
            if j == n:
                raise Md2manError('unterminated fenced code block')
            out += code_block(lines[i + 1:j])
            i = j + 1
            continue
        if line.startswith('    ') or line.startswith('\t'):
            j = i
            block = []
            while j < n and (lines[j].startswith('    ') or
                             lines[j].startswith('\t') or
                             not lines[j].strip()):
                block.append(lines[j])
                j += 1
            while block and not block[-1].strip():
                block.pop()
            out += code_block([re.sub(r'^(    |\t)', '', l)
                               for l in block])
            i = j
            continue
        if line.startswith('|'):
            j = i
            while j < n and lines[j].startswith('|'):
                j += 1
            out += table(lines[i:j])
            i = j
            continue
        m = re.match(r'([-*]|\d+\.) +', line)
        if m:
            # One item: its first line and the lines indented under it.
            mark = m.group(1)
            item = [line[m.end():]]
            j = i + 1
            while (j < n and lines[j].startswith('  ') and
                   lines[j].strip()):
                item.append(lines[j])
                j += 1
            tag = '\\(bu' if mark in ('-', '*') else mark
            out += ['.IP %s 4' % tag] + fill(' '.join(item))
            i = j
            continue
        if line[:1] in ('>', '<'):
            raise Md2manError('unsupported block: ' + line)
        # A paragraph runs to a blank line or the start of another block.
        j = i
        para = []
        while (j < n and lines[j].strip() and
               not re.match(r'(#+ |\||```|    |\t|[-*] |\d+\. )', lines[j])):
            para.append(lines[j])
            j += 1
        out += ['.PP'] + fill(' '.join(para))
        i = j
    return out


def main(argv):
    if len(argv) != 3:
        print('usage: md2man.py TEMPLATE MARKDOWN', file=sys.stderr)
        return 2
    with open(argv[1], encoding='utf-8') as f:
        template = f.read().split('\n')
    with open(argv[2], encoding='utf-8') as f:
        md = f.read()
    try:
        body = convert(md)
    except Md2manError as e:
        print('md2man.py: %s: %s' % (argv[2], e), file=sys.stderr)
        return 1
    if template.count('@BODY@') != 1:
        print('md2man.py: %s: needs exactly one @BODY@ line' % argv[1],
              file=sys.stderr)
        return 1
    out = []
    for l in template:
        out += body if l == '@BODY@' else [l]
    sys.stdout.write('\n'.join(out))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
