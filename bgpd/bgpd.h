/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The BGP module: ferryd's embedded BGP speaker (the RFCs it implements
 * are listed in bgp_msg.h).  Other modules see only this.
 */
#ifndef FERRY_BGPD_H
#define FERRY_BGPD_H

extern const struct ferry_module bgpd_module;

#endif
