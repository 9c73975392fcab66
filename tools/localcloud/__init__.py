# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local cloud: moto (AWS) plus Cloudflare and Kinde emulators on 127.0.0.1."""

__version__ = "0.1.0"
